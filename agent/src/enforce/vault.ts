// quarantine: move a banned tool's install into the vault, restorable byte for byte.
//
// Crash safety (kill -9 at any instant leaves every file either at its original place or in the vault
// with a manifest that names it):
//   quarantine: journal → manifest(status "moving", metadata of every item) → rename items into the
//               vault one by one → shims → manifest(status "quarantined") → journal removed.
//   restore:    journal → remove shim + rename each item back → manifest and vault entry removed →
//               journal removed.
// recoverInterrupted() runs at agent start: an interrupted quarantine is rolled back (the next
// enforcement run quarantines again), an interrupted restore is completed. Each step is idempotent,
// so a crash during recovery is recovered the same way.
// Moves are renames (atomic). Across file systems (EXDEV) an item is copied to `<n>.partial`, fsynced,
// renamed to `<n>`, and only then is the source deleted; recovery handles both halves.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Decision } from '../../../wire/src/decision.ts';
import { check, validate } from '../../../wire/src/validate.ts';
import { fsyncDir, writeFileDurable, writeFileSynced } from './durable.ts';
import { isOurShim, shimFor, canShim } from './shim.ts';
import type { EnforceState } from './state.ts';
import { describeTree, diffTrees } from './tree.ts';

const TreeEntrySchema = Type.Object({
  rel: Type.String(),
  kind: Type.Union([Type.Literal('file'), Type.Literal('dir'), Type.Literal('symlink'), Type.Literal('other')]),
  mode: Type.Integer(),
  uid: Type.Integer(),
  gid: Type.Integer(),
  size: Type.Integer(),
  mtime_ms: Type.Number(),
  sha256: Type.Optional(Type.String()),
  target: Type.Optional(Type.String()),
});

export const QuarantineItem = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  original: Type.String({ description: 'absolute path the item was moved from' }),
  kind: Type.String(),
  mode: Type.Integer(),
  uid: Type.Integer(),
  gid: Type.Integer(),
  sha256: Type.Union([Type.String(), Type.Null()], { description: 'content hash of a file item, null for folders/links' }),
  tree: Type.Array(TreeEntrySchema),
  shim: Type.Boolean({ description: 'a notice shim was left at the original path' }),
});
export type QuarantineItem = Static<typeof QuarantineItem>;

export const QuarantineManifest = Type.Object({
  schema: Type.Literal('warden.quarantine/v1'),
  id: Type.String(),
  status: Type.Union([Type.Literal('moving'), Type.Literal('quarantined')]),
  time: Type.String({ format: 'date-time' }),
  tool: Type.String(),
  tool_name: Type.String(),
  finding: Type.String(),
  bundle_revision: Type.String(),
  decision: Decision,
  items: Type.Array(QuarantineItem),
});
export type QuarantineManifest = Static<typeof QuarantineManifest>;

const Journal = Type.Object({ op: Type.Union([Type.Literal('quarantine'), Type.Literal('restore')]), id: Type.String(), time: Type.String() });
type Journal = Static<typeof Journal>;

export class QuarantineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuarantineError';
  }
}

export interface QuarantineRequest {
  tool: string;
  toolName: string;
  finding: string;
  decision: Decision;
  bundleRevision: string;
  /** Install paths to move (absolute, already checked to be safe to move). */
  paths: string[];
  /** Which of those paths were commands: they get a notice shim. */
  commands: string[];
  now?: Date;
}

const ID_RE = /^q-\d{8}T\d{6}-[0-9a-f]{8}$/;

function entryDir(state: EnforceState, id: string): string {
  if (!ID_RE.test(id)) throw new QuarantineError(`'${id}' is not a quarantine id (like q-20260601T120000-1a2b3c4d)`);
  return join(state.vault, id);
}
const itemPath = (dir: string, i: number): string => join(dir, 'items', String(i));
const manifestPath = (dir: string): string => join(dir, 'manifest.json');
const journalPath = (state: EnforceState, id: string): string => join(state.journal, `${id}.json`);
const shimTmp = (p: string): string => `${p}.warden-shim.tmp`;

function newId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `q-${stamp}-${randomBytes(4).toString('hex')}`;
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function readManifest(dir: string): QuarantineManifest | null {
  try {
    const v: unknown = JSON.parse(readFileSync(manifestPath(dir), 'utf8'));
    return check(QuarantineManifest, v).length === 0 ? (v as QuarantineManifest) : null;
  } catch {
    return null;
  }
}

function writeManifest(dir: string, m: QuarantineManifest): void {
  writeFileDurable(manifestPath(dir), `${JSON.stringify(m, null, 2)}\n`);
}

/** Copies a tree keeping modes, owners (when permitted), link targets and times; fsyncs files. */
function copyTree(src: string, dst: string): void {
  const st = lstatSync(src);
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dst);
  } else if (st.isDirectory()) {
    mkdirSync(dst, { mode: 0o700 });
    for (const n of readdirSync(src)) copyTree(join(src, n), join(dst, n));
  } else if (st.isFile()) {
    copyFileSync(src, dst);
    const fd = openSync(dst, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } else {
    throw new QuarantineError(`cannot move special file ${src}`);
  }
  try {
    lchownSync(dst, st.uid, st.gid);
  } catch {
    // not root: owner stays ours; the manifest records the original owner
  }
  // chmod after chown: changing the owner clears setuid/setgid bits.
  if (!st.isSymbolicLink()) {
    chmodSync(dst, st.mode & 0o7777);
    utimesSync(dst, st.atime, st.mtime);
  }
}

/** Atomic move; across file systems: copy to `<dst>.partial`, fsync, rename, then delete the source. */
function moveDurable(src: string, dst: string): void {
  mkdirSync(dirname(dst), { recursive: true });
  try {
    renameSync(src, dst);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    const partial = `${dst}.partial`;
    rmSync(partial, { recursive: true, force: true });
    copyTree(src, partial);
    renameSync(partial, dst);
    fsyncDir(dirname(dst));
    rmSync(src, { recursive: true, force: true });
  }
  fsyncDir(dirname(src));
  fsyncDir(dirname(dst));
}

function beginJournal(state: EnforceState, j: Journal): void {
  writeFileDurable(journalPath(state, j.id), JSON.stringify(j));
}

function endJournal(state: EnforceState, id: string): void {
  rmSync(journalPath(state, id), { force: true });
  fsyncDir(state.journal);
}

/** Moves the install into the vault and leaves notice shims. Returns the manifest. */
export function quarantine(state: EnforceState, req: QuarantineRequest): QuarantineManifest {
  const now = req.now ?? new Date();
  const paths = [...new Set(req.paths)];
  if (paths.length === 0) throw new QuarantineError('nothing to quarantine');
  for (const p of paths) if (!exists(p)) throw new QuarantineError(`${p} does not exist`);
  const id = newId(now);
  const dir = entryDir(state, id);
  mkdirSync(state.vault, { recursive: true, mode: 0o700 });
  mkdirSync(state.journal, { recursive: true, mode: 0o700 });

  beginJournal(state, { op: 'quarantine', id, time: now.toISOString() });
  mkdirSync(join(dir, 'items'), { recursive: true, mode: 0o700 });
  const items: QuarantineItem[] = paths.map((original, index) => {
    const tree = describeTree(original);
    const top = tree[0]!;
    return {
      index,
      original,
      kind: top.kind,
      mode: top.mode,
      uid: top.uid,
      gid: top.gid,
      sha256: top.sha256 ?? null,
      tree,
      shim: req.commands.includes(original) && canShim(original),
    };
  });
  const manifest: QuarantineManifest = {
    schema: 'warden.quarantine/v1',
    id,
    status: 'moving',
    time: now.toISOString(),
    tool: req.tool,
    tool_name: req.toolName,
    finding: req.finding,
    bundle_revision: req.bundleRevision,
    decision: req.decision,
    items,
  };
  writeManifest(dir, manifest);
  for (const it of items) moveDurable(it.original, itemPath(dir, it.index));
  for (const it of items) {
    if (!it.shim) continue;
    const text = shimFor(it.original, { id, toolName: req.toolName, message: req.decision.message, alternative: req.decision.alternative });
    writeFileSynced(shimTmp(it.original), text, 0o755);
    renameSync(shimTmp(it.original), it.original);
    fsyncDir(dirname(it.original));
  }
  manifest.status = 'quarantined';
  writeManifest(dir, manifest);
  endJournal(state, id);
  return manifest;
}

/** Vault entries that are fully quarantined, oldest first. */
export function listQuarantine(state: EnforceState): QuarantineManifest[] {
  if (!existsSync(state.vault)) return [];
  const out: QuarantineManifest[] = [];
  for (const name of readdirSync(state.vault).sort()) {
    if (!ID_RE.test(name)) continue;
    const m = readManifest(join(state.vault, name));
    if (m && m.status === 'quarantined' && !existsSync(journalPath(state, name))) out.push(m);
  }
  return out;
}

export interface RestoreResult {
  manifest: QuarantineManifest;
  restored: string[];
  /** Differences between the restored tree and the manifest (empty = byte-identical with modes). */
  problems: string[];
}

/** Puts the tool's files back exactly as they were (content, modes, owners, link targets). */
export function restore(state: EnforceState, id: string, now = new Date()): RestoreResult {
  const dir = entryDir(state, id);
  const manifest = readManifest(dir);
  if (!manifest || manifest.status !== 'quarantined') throw new QuarantineError(`no quarantined entry '${id}'`);
  if (existsSync(journalPath(state, id))) throw new QuarantineError(`entry '${id}' has an unfinished operation; restart the agent to recover it first`);
  // Refuse before changing anything when something new took an original place (e.g. a reinstall).
  for (const it of manifest.items) {
    if (exists(it.original) && !(it.shim && isOurShim(it.original, id))) {
      throw new QuarantineError(`cannot restore '${id}': ${it.original} is occupied by something that is not warden's notice shim; move it away first`);
    }
  }
  mkdirSync(state.journal, { recursive: true, mode: 0o700 });
  beginJournal(state, { op: 'restore', id, time: now.toISOString() });
  const restored = finishRestore(state, id, manifest);
  const problems: string[] = [];
  for (const it of manifest.items) {
    try {
      for (const p of diffTrees(it.tree, describeTree(it.original))) problems.push(`${it.original}: ${p}`);
    } catch (e) {
      problems.push(`${it.original}: ${(e as Error).message}`);
    }
  }
  return { manifest, restored, problems };
}

/** The idempotent second half of a restore (also how recovery completes an interrupted one). */
function finishRestore(state: EnforceState, id: string, manifest: QuarantineManifest): string[] {
  const dir = entryDir(state, id);
  const restored: string[] = [];
  for (const it of manifest.items) {
    const src = itemPath(dir, it.index);
    rmSync(`${src}.partial`, { recursive: true, force: true });
    if (!exists(src)) continue; // already back
    rmSync(`${it.original}.partial`, { recursive: true, force: true });
    rmSync(shimTmp(it.original), { force: true });
    if (exists(it.original)) {
      if (isOurShim(it.original, id)) {
        unlinkSync(it.original);
      } else {
        reconcile(src, it);
        restored.push(it.original);
        continue;
      }
    }
    moveDurable(src, it.original);
    restoreOwner(it);
    restored.push(it.original);
  }
  rmSync(join(dir, 'items'), { recursive: true, force: true });
  rmSync(manifestPath(dir), { force: true });
  rmSync(dir, { recursive: true, force: true });
  fsyncDir(state.vault);
  endJournal(state, id);
  return restored;
}

/**
 * Both the original place and the vault hold the item: a cross-device move died after its copy was
 * complete but while the source was being deleted. Whichever side is identical to the manifest wins;
 * the other is removed. Neither matching (someone changed files meanwhile) keeps both for a human.
 */
function reconcile(src: string, it: QuarantineItem): void {
  if (diffTrees(it.tree, describeTree(it.original)).length === 0) {
    rmSync(src, { recursive: true, force: true });
    return;
  }
  const vaultDiff = diffTrees(it.tree, describeTree(src));
  if (vaultDiff.length === 0) {
    rmSync(it.original, { recursive: true, force: true }); // the half-deleted source
    moveDurable(src, it.original);
    return;
  }
  throw new QuarantineError(`${it.original} exists and neither it nor the vault copy matches the manifest (${vaultDiff[0]}); both kept, resolve by hand`);
}

/** A cross-device copy as non-root could not keep owners; as root, put them back. */
function restoreOwner(it: QuarantineItem): void {
  const top = it.tree[0];
  if (!top) return;
  try {
    const st = lstatSync(it.original);
    if (st.uid !== top.uid || st.gid !== top.gid) {
      lchownSync(it.original, top.uid, top.gid);
      if (!st.isSymbolicLink()) chmodSync(it.original, top.mode); // chown cleared setuid/setgid
    }
  } catch {
    // reported by the tree comparison
  }
}

/** Rolls an interrupted quarantine back: every moved item returns to its original place. */
function rollBackQuarantine(state: EnforceState, id: string): void {
  const dir = entryDir(state, id);
  const manifest = readManifest(dir);
  if (manifest) {
    for (const it of [...manifest.items].reverse()) {
      const src = itemPath(dir, it.index);
      rmSync(`${src}.partial`, { recursive: true, force: true });
      rmSync(`${it.original}.partial`, { recursive: true, force: true });
      rmSync(shimTmp(it.original), { force: true });
      if (!exists(src)) continue;
      if (exists(it.original)) {
        if (isOurShim(it.original, id)) unlinkSync(it.original);
        else {
          reconcile(src, it);
          continue;
        }
      }
      moveDurable(src, it.original);
    }
  }
  // No manifest means the crash came before it was written: nothing was moved yet.
  rmSync(dir, { recursive: true, force: true });
  fsyncDir(state.vault);
  endJournal(state, id);
}

export interface Recovery {
  id: string;
  op: 'quarantine' | 'restore';
  outcome: 'rolled_back' | 'completed' | 'failed';
  tool: string;
  error?: string;
}

/** Completes or rolls back every operation a crash interrupted. Call at agent start. */
export function recoverInterrupted(state: EnforceState): Recovery[] {
  if (!existsSync(state.journal)) return [];
  const out: Recovery[] = [];
  for (const name of readdirSync(state.journal).sort()) {
    const path = join(state.journal, name);
    if (name.endsWith('.tmp')) {
      rmSync(path, { force: true }); // a journal never written completely: its operation never started
      continue;
    }
    if (!name.endsWith('.json')) continue;
    let j: Journal;
    try {
      j = validate(Journal, JSON.parse(readFileSync(path, 'utf8')), 'journal');
      entryDir(state, j.id);
    } catch {
      continue; // not ours; leave it for a human rather than guess
    }
    const dir = entryDir(state, j.id);
    const manifest = readManifest(dir);
    const tool = manifest?.tool ?? '';
    try {
      out.push(recoverOne(state, j, manifest, tool));
    } catch (e) {
      // Leave the journal: the next start tries again; nothing is deleted on doubt.
      out.push({ id: j.id, op: j.op, outcome: 'failed', tool, error: (e as Error).message });
    }
  }
  return out;
}

function recoverOne(state: EnforceState, j: Journal, manifest: QuarantineManifest | null, tool: string): Recovery {
  const dir = entryDir(state, j.id);
  if (j.op === 'quarantine') {
    if (manifest?.status === 'quarantined') {
      endJournal(state, j.id);
      return { id: j.id, op: j.op, outcome: 'completed', tool };
    }
    rollBackQuarantine(state, j.id);
    return { id: j.id, op: j.op, outcome: 'rolled_back', tool };
  }
  if (manifest) finishRestore(state, j.id, manifest);
  else {
    rmSync(dir, { recursive: true, force: true });
    endJournal(state, j.id);
  }
  return { id: j.id, op: j.op, outcome: 'completed', tool };
}
