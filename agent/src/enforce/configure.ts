// configure: instead of banning a tool, write its vendor's managed settings — the system files the
// tool itself enforces (policies/data/managed-settings.json says which, per OS and in which format).
// Each file warden owns has a record (state/configured/): the bytes and mode before warden first
// touched it, and the bytes warden wrote. What warden writes is always the content before warden
// merged with the policy's settings, so a setting the policy drops leaves the file, the same policy
// gives the same bytes, and `revert` puts the previous bytes and mode back exactly. Reading a record
// back each cycle is the proof the settings are in force (drift: edited, deleted, loosened).
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { check } from '../../../wire/src/validate.ts';
import type { ManagedFile, ManagedTool } from '../../../wire/src/managed-settings.ts';
import { fsyncDir, writeFileDurable } from './durable.ts';
import type { EnforceState } from './state.ts';

export type Os = 'linux' | 'darwin' | 'win32';

/** Mode of every managed file warden writes: the tool runs as the employee and must read it; only root writes. */
export const MANAGED_MODE = 0o644;

const ConfigureRecord = Type.Object(
  {
    tools: Type.Array(Type.String(), { minItems: 1 }),
    file: Type.String({ description: 'file id in the managed-settings data' }),
    format: Type.Union([Type.Literal('json'), Type.Literal('toml')]),
    path: Type.String(),
    previous: Type.Union([Type.String(), Type.Null()], { description: 'base64 of the content before warden, null when there was no file' }),
    previous_mode: Type.Optional(Type.Integer({ description: 'permission bits of the file before warden' })),
    written: Type.String({ description: "base64 of what warden wrote (repaired back to on drift); '' when unknown (migrated record)" }),
    written_sha256: Type.String(),
    rules: Type.Array(Type.String()),
    bundle_revision: Type.String(),
    time: Type.String(),
  },
  { additionalProperties: false },
);
export type ConfigureRecord = Static<typeof ConfigureRecord>;

export class ConfigureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigureError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Objects merge key by key; anything else (arrays included) is replaced by the policy's value. */
export function mergeSettings(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeSettings(base[k], v) : v;
  return out;
}

/**
 * The server may send data, never commands: managed settings that would make the tool run a program
 * (Claude Code hooks, credential/status helpers, an MCP server's `command`; environment that injects
 * code into node, the shell or the dynamic loader) are refused, so a configure rule cannot be turned
 * into remote code execution. MCP servers are written as names (allow/deny lists) or URLs only.
 */
const COMMAND_KEYS = new Set(['hooks', 'apiKeyHelper', 'awsAuthRefresh', 'awsCredentialExport', 'gcpAuthRefresh', 'otelHeadersHelper', 'statusLine', 'command', 'commands', 'args', 'serverCommand', 'notify']);
const CODE_ENV = /^(NODE_OPTIONS|NODE_PATH|LD_[A-Z_]+|DYLD_[A-Z_]+|PATH|BASH_ENV|ENV|SHELL|ZDOTDIR|PYTHONPATH|PYTHONSTARTUP|PERL5OPT|PERL5LIB|RUBYOPT|GIT_SSH_COMMAND|EDITOR|VISUAL|[A-Z0-9_]*(SHELL|_PATH|_PREFIX|_COMMAND|_HELPER|_EXECUTABLE|_BIN))$/;

export function refusedSettings(settings: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
      return;
    }
    if (!isObject(v)) return;
    for (const [k, child] of Object.entries(v)) {
      const here = path ? `${path}.${k}` : k;
      if (COMMAND_KEYS.has(k) || /(Helper|Command)$/.test(k)) out.push(`${here} (makes the tool run a program)`);
      // Gemini CLI's tools.sandbox takes a sandbox program by name; an object or a boolean is data.
      else if (k === 'sandbox' && typeof child === 'string') out.push(`${here} (names a program to run)`);
      else if (/(^|\.)env$/.test(path) && CODE_ENV.test(k)) out.push(`${here} (injects code into the tool's runtime)`);
      else walk(child, here);
    }
  };
  walk(settings, '');
  return out;
}

/** Absolute path of a data path ('/etc/…', Windows: '/Program Files/…' on the system drive) under root. */
export function underRoot(root: string, dataPath: string): string {
  return join(root, ...dataPath.split('/').filter(Boolean));
}

/** Which part of a configure rule's settings goes to which of the tool's files on this OS. */
export function routeSettings(tool: ManagedTool, os: Os, settings: Record<string, unknown>): { files: { file: ManagedFile; settings: Record<string, unknown> }[]; unplaced: string[] } {
  const claimed = new Map<string, ManagedFile>();
  for (const f of tool.files) if (f.keys !== 'rest') for (const k of f.keys) claimed.set(k, f);
  const rest = tool.files.find((f) => f.keys === 'rest');
  const byFile = new Map<ManagedFile, Record<string, unknown>>();
  const unplaced: string[] = [];
  for (const [k, v] of Object.entries(settings)) {
    const f = claimed.get(k) ?? rest;
    if (!f || !f.paths[os]) {
      unplaced.push(k);
      continue;
    }
    const value = f.values === 'scalar' && typeof v === 'object' && v !== null ? JSON.stringify(v) : v;
    byFile.set(f, { ...(byFile.get(f) ?? {}), [k]: value });
  }
  return { files: [...byFile].map(([file, s]) => ({ file, settings: s })), unplaced };
}

export function parseManaged(format: 'json' | 'toml', text: string, path: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = format === 'toml' ? parseToml(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigureError(`existing ${path} is not valid ${format.toUpperCase()} (${(e as Error).message.split('\n')[0]}): not overwriting it`);
  }
  if (!isObject(v)) throw new ConfigureError(`existing ${path} is not a ${format.toUpperCase()} object: not overwriting it`);
  return v;
}

export function serializeManaged(format: 'json' | 'toml', value: Record<string, unknown>): string {
  if (format === 'toml') {
    try {
      return `${stringifyToml(value)}\n`;
    } catch (e) {
      throw new ConfigureError(`settings cannot be written as TOML: ${(e as Error).message}`);
    }
  }
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The uid that must own every folder on the way to a managed file and the file itself (root on a real endpoint). */
export function trustedUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Writes are no-follow: every folder from the root down to the managed file must be a real folder
 * (not a symlink) owned by the agent's user and not writable by others, and the file itself, if
 * present, a regular file. Missing folders are created (0755). Anything else is refused — except that
 * a file warden already owns, found replaced by a link or other non-folder, is replaced (the rename
 * swaps the link itself; nothing is read or written through it).
 */
export function prepareTarget(root: string, path: string, create: boolean, replaceNonFile = false): void {
  const uid = trustedUid();
  const rel = relative(root, path);
  if (rel.startsWith('..') || rel === '') throw new ConfigureError(`refusing ${path}: not below the root ${root}`);
  const parts = rel.split(sep);
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    let st = lstatOrNull(at);
    if (!st && create) {
      mkdirSync(at, { mode: 0o755 });
      chmodSync(at, 0o755);
      st = lstatSync(at);
    }
    if (!st) return; // nothing below exists: nothing to follow
    if (st.isSymbolicLink()) throw new ConfigureError(`refusing ${path}: ${at} is a symbolic link`);
    if (!st.isDirectory()) throw new ConfigureError(`refusing ${path}: ${at} is not a folder`);
    if (uid !== null && st.uid !== uid) throw new ConfigureError(`refusing ${path}: ${at} is owned by uid ${st.uid}, not ${uid}`);
    if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) throw new ConfigureError(`refusing ${path}: ${at} is writable by others (mode ${(st.mode & 0o7777).toString(8)})`);
  }
  const f = lstatOrNull(path);
  if (f && !f.isFile() && !(replaceNonFile && !f.isDirectory())) throw new ConfigureError(`refusing ${path}: it is ${f.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`);
}

// ---- records (one per managed file warden owns) ----------------------------------------------------

const recordName = (path: string): string => `${createHash('sha256').update(path).digest('hex').slice(0, 24)}.json`;
const recordPath = (state: EnforceState, path: string): string => join(state.configured, recordName(path));

function readRecordFile(p: string): ConfigureRecord | null {
  try {
    const v: unknown = JSON.parse(readFileSync(p, 'utf8'));
    return check(ConfigureRecord, v).length === 0 ? (v as ConfigureRecord) : null;
  } catch {
    return null;
  }
}

export function readConfigureRecord(state: EnforceState, path: string): ConfigureRecord | null {
  return existsSync(recordPath(state, path)) ? readRecordFile(recordPath(state, path)) : null;
}

/** The record an agent before file-by-file configure kept (`configured/<tool>.json`, one JSON file per tool). */
const LegacyRecord = Type.Object({
  tool: Type.String(),
  path: Type.String(),
  previous: Type.Union([Type.String(), Type.Null()]),
  previous_mode: Type.Optional(Type.Integer()),
  written_sha256: Type.String(),
  rule: Type.String(),
  bundle_revision: Type.String(),
  time: Type.String(),
});

/**
 * Converts records of the earlier per-tool layout into per-file records (once, at the first listing):
 * the content before warden is kept, so a revert still restores the file as it was before warden — and
 * a file in a location the data no longer names (Claude Code's old C:\ProgramData\ClaudeCode) is put
 * back by the next cycle, since no decision wants it.
 */
function migrateLegacy(state: EnforceState): void {
  for (const n of readdirSync(state.configured)) {
    if (!n.endsWith('.json') || /^[0-9a-f]{24}\.json$/.test(n)) continue;
    const p = join(state.configured, n);
    let v: unknown;
    try {
      v = JSON.parse(readFileSync(p, 'utf8'));
    } catch {
      continue;
    }
    if (check(LegacyRecord, v).length) continue;
    const old = v as Static<typeof LegacyRecord>;
    const st = lstatOrNull(old.path);
    const now = st?.isFile() ? readFileSync(old.path) : null;
    const rec: ConfigureRecord = {
      tools: [old.tool],
      file: 'managed-settings',
      format: 'json',
      path: old.path,
      previous: old.previous,
      ...(old.previous_mode !== undefined ? { previous_mode: old.previous_mode } : {}),
      // What warden wrote is known only while the file still has it.
      written: now && sha256(now) === old.written_sha256 ? now.toString('base64') : '',
      written_sha256: old.written_sha256,
      rules: [old.rule],
      bundle_revision: old.bundle_revision,
      time: old.time,
    };
    writeFileDurable(recordPath(state, old.path), `${JSON.stringify(rec, null, 2)}\n`);
    rmSync(p, { force: true });
  }
}

export function listConfigured(state: EnforceState): ConfigureRecord[] {
  if (!existsSync(state.configured)) return [];
  migrateLegacy(state);
  return readdirSync(state.configured)
    .filter((n) => n.endsWith('.json'))
    .map((n) => readRecordFile(join(state.configured, n)))
    .filter((r): r is ConfigureRecord => r !== null)
    .sort((a, b) => a.path.localeCompare(b.path));
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

export interface ApplyRequest {
  tools: string[];
  file: ManagedFile;
  path: string;
  root: string;
  settings: Record<string, unknown>;
  rules: string[];
  bundleRevision: string;
  now?: Date;
}

export interface ApplyResult {
  path: string;
  changed: boolean;
  /** What was wrong with the file warden wrote before this run (drift), empty when it was as written. */
  drift: string[];
}

/** Merges the policy's settings into the content before warden and writes the file when it differs. */
export function applyManaged(state: EnforceState, req: ApplyRequest): ApplyResult {
  const refused = refusedSettings(req.settings);
  if (refused.length) throw new ConfigureError(`refusing managed settings that could run commands: ${refused.join(', ')}`);
  const earlier = readConfigureRecord(state, req.path);
  prepareTarget(req.root, req.path, false, earlier !== null);
  const drift = earlier ? driftOf(earlier) : [];
  const st = lstatOrNull(req.path);
  const before = st?.isFile() ? readFileSync(req.path) : null;
  let base: Record<string, unknown> = {};
  if (earlier) {
    if (earlier.previous !== null) base = parseManaged(req.file.format, Buffer.from(earlier.previous, 'base64').toString('utf8'), req.path);
  } else if (before) base = parseManaged(req.file.format, before.toString('utf8'), req.path);
  const text = serializeManaged(req.file.format, mergeSettings(base, req.settings) as Record<string, unknown>);
  const sameRecord = earlier && earlier.written !== '' && earlier.written_sha256 === sha256(text) && [...req.tools].sort().join() === [...earlier.tools].sort().join();
  if (before && before.equals(Buffer.from(text)) && drift.length === 0 && sameRecord) return { path: req.path, changed: false, drift };
  // Record first (crash-safe order): the content before warden is kept from the first time only.
  const record: ConfigureRecord = {
    tools: [...new Set(req.tools)].sort(),
    file: req.file.id,
    format: req.file.format,
    path: req.path,
    previous: earlier ? earlier.previous : before ? before.toString('base64') : null,
    ...(earlier ? (earlier.previous_mode !== undefined ? { previous_mode: earlier.previous_mode } : {}) : st ? { previous_mode: st.mode & 0o7777 } : {}),
    written: Buffer.from(text).toString('base64'),
    written_sha256: sha256(text),
    rules: [...new Set(req.rules)],
    bundle_revision: req.bundleRevision,
    time: (req.now ?? new Date()).toISOString(),
  };
  writeFileDurable(recordPath(state, req.path), `${JSON.stringify(record, null, 2)}\n`);
  const changed = !before || !before.equals(Buffer.from(text)) || drift.length > 0;
  if (changed) {
    prepareTarget(req.root, req.path, true, earlier !== null);
    writeFileDurable(req.path, text, MANAGED_MODE);
  }
  return { path: req.path, changed, drift };
}

/** How the file on disk differs from what warden wrote: deleted, replaced, edited, permissions loosened. */
export function driftOf(rec: ConfigureRecord): string[] {
  const st = lstatOrNull(rec.path);
  if (!st) return ['deleted'];
  if (!st.isFile()) return [st.isSymbolicLink() ? 'replaced by a symbolic link' : 'replaced by something that is not a file'];
  const out: string[] = [];
  if (sha256(readFileSync(rec.path)) !== rec.written_sha256) out.push('edited');
  if ((st.mode & 0o022) !== 0) out.push(`permissions loosened (mode ${(st.mode & 0o7777).toString(8)})`);
  const uid = trustedUid();
  if (uid !== null && st.uid !== uid) out.push(`owner changed (uid ${st.uid})`);
  return out;
}

/** Puts back exactly what warden wrote (a file found drifted while the policy still wants it). */
export function repairManaged(rec: ConfigureRecord, root: string): void {
  if (rec.written === '') throw new ConfigureError('no copy of what warden wrote (a record from an earlier agent): it is rewritten when the policy next configures the tool');
  prepareTarget(root, rec.path, true, true);
  writeFileDurable(rec.path, Buffer.from(rec.written, 'base64'), MANAGED_MODE);
}

export interface RevertResult {
  path: string;
  tools: string[];
  restored: 'content' | 'removed';
}

/** Puts one managed file back as it was before warden (or removes it if there was none). */
export function revertRecord(state: EnforceState, rec: ConfigureRecord, root: string): RevertResult {
  prepareTarget(root, rec.path, false, true); // a link found in warden's place is replaced or removed, never followed
  let restored: RevertResult['restored'];
  if (rec.previous === null) {
    rmSync(rec.path, { force: true });
    restored = 'removed';
  } else {
    prepareTarget(root, rec.path, true, true);
    writeFileDurable(rec.path, Buffer.from(rec.previous, 'base64'), rec.previous_mode ?? MANAGED_MODE);
    chmodSync(rec.path, rec.previous_mode ?? MANAGED_MODE); // exact bits, whatever the umask
    restored = 'content';
  }
  rmSync(recordPath(state, rec.path), { force: true });
  fsyncDir(state.configured);
  return { path: rec.path, tools: rec.tools, restored };
}

/** Reverts every managed file warden wrote for a tool; [] when there is none. */
export function revertManagedSettings(state: EnforceState, tool: string, root: string): RevertResult[] {
  return listConfigured(state)
    .filter((r) => r.tools.includes(tool))
    .map((r) => revertRecord(state, r, root));
}
