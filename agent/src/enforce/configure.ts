// configure: instead of banning a tool, write its vendor's managed settings (the file the tool itself
// enforces, e.g. Claude Code's managed-settings.json in its system location). Merges into what is there;
// the content before warden first touched the file is recorded so `revert` puts it back exactly.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { check } from '../../../wire/src/validate.ts';
import { fsyncDir, writeFileDurable } from './durable.ts';
import type { EnforceState } from './state.ts';

export type Os = 'linux' | 'darwin' | 'win32';

/** System locations of vendor managed-settings files (relative to the file-system root). */
export const MANAGED_SETTINGS: Record<string, Record<Os, string>> = {
  'claude-code': {
    linux: 'etc/claude-code/managed-settings.json',
    darwin: 'Library/Application Support/ClaudeCode/managed-settings.json',
    win32: 'ProgramData/ClaudeCode/managed-settings.json',
  },
  amp: {
    linux: 'etc/ampcode/managed-settings.json',
    darwin: 'Library/Application Support/ampcode/managed-settings.json',
    win32: 'ProgramData/ampcode/managed-settings.json',
  },
  'gemini-cli': {
    linux: 'etc/gemini-cli/settings.json',
    darwin: 'Library/Application Support/GeminiCli/settings.json',
    win32: 'ProgramData/gemini-cli/settings.json',
  },
};

const ConfigureRecord = Type.Object(
  {
    tool: Type.String(),
    path: Type.String(),
    previous: Type.Union([Type.String(), Type.Null()], { description: 'base64 of the content before warden, null when there was no file' }),
    previous_mode: Type.Optional(Type.Integer({ description: 'permission bits of the file before warden' })),
    written_sha256: Type.String(),
    rule: Type.String(),
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

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; anything else (arrays included) is replaced by the policy's value. */
export function mergeSettings(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeSettings(base[k], v) : v;
  return out;
}

const recordPath = (state: EnforceState, tool: string): string => join(state.configured, `${tool.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);

export function readConfigureRecord(state: EnforceState, tool: string): ConfigureRecord | null {
  const p = recordPath(state, tool);
  if (!existsSync(p)) return null;
  try {
    const v: unknown = JSON.parse(readFileSync(p, 'utf8'));
    return check(ConfigureRecord, v).length === 0 ? (v as ConfigureRecord) : null;
  } catch {
    return null;
  }
}

export function listConfigured(state: EnforceState): ConfigureRecord[] {
  if (!existsSync(state.configured)) return [];
  return readdirSync(state.configured)
    .filter((n) => n.endsWith('.json'))
    .map((n) => readConfigureRecord(state, n.slice(0, -5)))
    .filter((r): r is ConfigureRecord => r !== null);
}

/**
 * The server may send data, never commands: managed settings that would make the tool run a program
 * (Claude Code hooks, credential/status helpers; environment that injects code into node, the shell or
 * the dynamic loader) are refused, so a configure rule cannot be turned into remote code execution.
 */
const COMMAND_KEYS = new Set(['hooks', 'apiKeyHelper', 'awsAuthRefresh', 'awsCredentialExport', 'otelHeadersHelper', 'statusLine', 'command', 'commands']);
const CODE_ENV = /^(NODE_OPTIONS|NODE_PATH|LD_[A-Z_]+|DYLD_[A-Z_]+|PATH|BASH_ENV|ENV|SHELL|ZDOTDIR|PYTHONPATH|PYTHONSTARTUP|PERL5OPT|PERL5LIB|RUBYOPT|GIT_SSH_COMMAND|EDITOR|VISUAL)$/;

export function refusedSettings(settings: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (!isObject(v)) return;
    for (const [k, child] of Object.entries(v)) {
      const here = path ? `${path}.${k}` : k;
      if (COMMAND_KEYS.has(k) || /(Helper|Command)$/.test(k)) out.push(`${here} (makes the tool run a program)`);
      else if (path === 'env' && CODE_ENV.test(k)) out.push(`${here} (injects code into the tool's runtime)`);
      else walk(child, here);
    }
  };
  walk(settings, '');
  return out;
}

export function managedSettingsPath(tool: string, root: string, os: Os): string | null {
  const rel = MANAGED_SETTINGS[tool]?.[os];
  return rel ? join(root, rel) : null;
}

export interface ConfigureResult {
  path: string;
  changed: boolean;
}

export function applyManagedSettings(
  state: EnforceState,
  opts: { tool: string; settings: Record<string, unknown>; root: string; os: Os; rule: string; bundleRevision: string; now?: Date },
): ConfigureResult {
  const path = managedSettingsPath(opts.tool, opts.root, opts.os);
  if (!path) throw new ConfigureError(`no managed-settings location is known for '${opts.tool}' on ${opts.os}`);
  const refused = refusedSettings(opts.settings);
  if (refused.length) throw new ConfigureError(`refusing managed settings that could run commands: ${refused.join(', ')}`);
  const before = existsSync(path) ? readFileSync(path) : null;
  let current: unknown = {};
  if (before) {
    try {
      current = JSON.parse(before.toString('utf8'));
    } catch {
      throw new ConfigureError(`existing ${path} is not valid JSON: not overwriting it`);
    }
    if (!isObject(current)) throw new ConfigureError(`existing ${path} is not a JSON object: not overwriting it`);
  }
  const merged = mergeSettings(current, opts.settings) as Json;
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  if (before && JSON.stringify(current) === JSON.stringify(merged)) return { path, changed: false };
  // Record first (crash-safe order): the content before warden is kept from the first time only.
  const earlier = readConfigureRecord(state, opts.tool);
  const record: ConfigureRecord = {
    tool: opts.tool,
    path,
    previous: earlier && earlier.path === path ? earlier.previous : before ? before.toString('base64') : null,
    ...(earlier && earlier.path === path
      ? earlier.previous_mode !== undefined
        ? { previous_mode: earlier.previous_mode }
        : {}
      : before
        ? { previous_mode: statSync(path).mode & 0o7777 }
        : {}),
    written_sha256: createHash('sha256').update(text).digest('hex'),
    rule: opts.rule,
    bundle_revision: opts.bundleRevision,
    time: (opts.now ?? new Date()).toISOString(),
  };
  writeFileDurable(recordPath(state, opts.tool), `${JSON.stringify(record, null, 2)}\n`);
  writeFileDurable(path, text, 0o644);
  return { path, changed: true };
}

/** Puts the managed-settings file back as it was before warden (or removes it if there was none). */
export function revertManagedSettings(state: EnforceState, tool: string): { path: string; restored: 'content' | 'removed' } | null {
  const rec = readConfigureRecord(state, tool);
  if (!rec) return null;
  let restored: 'content' | 'removed';
  if (rec.previous === null) {
    rmSync(rec.path, { force: true });
    restored = 'removed';
  } else {
    writeFileDurable(rec.path, Buffer.from(rec.previous, 'base64'), rec.previous_mode ?? 0o644);
    chmodSync(rec.path, rec.previous_mode ?? 0o644); // exact bits, whatever the umask
    restored = 'content';
  }
  rmSync(recordPath(state, tool), { force: true });
  fsyncDir(state.configured);
  return { path: rec.path, restored };
}
