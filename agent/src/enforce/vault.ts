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
// so a crash during recovery is recovered the same way. A restore refused part-way (a parent swapped
// for a link after its check) keeps its journal and is resumed by the next restore() of that entry.
// Moves are renames (atomic). Across file systems (EXDEV) an item is copied into a root-only staging
// folder `<n>.partial/`, fsynced, renamed to `<n>`, and only then is the source deleted; recovery
// handles both halves.
//
// Every operation at an item's original place goes through its parent folder opened component by
// component without following links (proof/anchored.ts), each folder on the way owned by root, the
// scan root's owner or the item's owner. A user who swaps a parent for a symlink to a system folder
// between the check and the move makes the move fail; nothing outside the user's own folders is ever
// moved, written, chmod'ed or deleted. The notice shim is created with O_EXCL|O_NOFOLLOW.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fchmodSync, fchownSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Decision } from '../../../wire/src/decision.ts';
import { check, validate } from '../../../wire/src/validate.ts';
import { Dir, O_NOFOLLOW, O_NONBLOCK, UnsafePathError, lstatOrNull, withParent, type FolderRule } from '../proof/anchored.ts';
import { fsyncDir, writeFileDurable } from './durable.ts';
import { isOurShim, shimFor, canShim } from './shim.ts';
import type { EnforceState } from './state.ts';
import { copyTreeAt, describeAt, diffTrees, removeTreeAt } from './tree.ts';

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
  root: Type.Optional(Type.String({ description: 'folder the originals are walked from without following links ("/" when absent)' })),
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
  /** Install paths to move (absolute, already proven by targets.ts). */
  paths: string[];
  /** Which of those paths were commands: they get a notice shim. */
  commands: string[];
  /** The scan root the paths lie under; every folder below it is checked again here. Default '/'. */
  root?: string;
  now?: Date;
}

const ID_RE = /^q-\d{8}T\d{6}-[0-9a-f]{8}$/;

function entryDir(state: EnforceState, id: string): string {
  if (!ID_RE.test(id)) throw new QuarantineError(`'${id}' is not a quarantine id (like q-20260601T120000-1a2b3c4d)`);
  return join(state.vault, id);
}
const manifestPath = (dir: string): string => join(dir, 'manifest.json');
const journalPath = (state: EnforceState, id: string): string => join(state.journal, `${id}.json`);
const shimTmp = (name: string): string => `${name}.warden-shim.tmp`;
const partial = (name: string): string => `${name}.partial`;

function newId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `q-${stamp}-${randomBytes(4).toString('hex')}`;
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

/** Folders on the way to an item may belong to root, the scan root's owner, or the item's owner. */
function ruleFor(root: string, uid: number): FolderRule {
  return { owners: new Set([0, statSync(root).uid, uid]) };
}

/**
 * Runs `fn` in the parent folder of an item's original place, opened without following links.
 * With `recreate`, missing folders on the way are made again (as the item's owner): a restore or
 * roll-back must be able to put an item back even if its parent was removed meanwhile.
 */
function atOriginal<T>(root: string, it: Pick<QuarantineItem, 'original' | 'uid' | 'gid'>, recreate: boolean, fn: (dir: Dir, name: string) => T): T {
  try {
    return withParent(root, it.original, ruleFor(root, it.uid), fn, recreate ? { mode: 0o755, uid: it.uid, gid: it.gid } : undefined);
  } catch (e) {
    if (e instanceof UnsafePathError) throw new QuarantineError(`${it.original} not touched: '${e.path}' ${e.reason}`);
    throw e;
  }
}

/** The vault entry's items folder (root's own, trusted); null when already removed. */
function openItems(dir: string, create: boolean): Dir | null {
  const p = join(dir, 'items');
  if (create) mkdirSync(p, { recursive: true, mode: 0o700 });
  else if (!existsSync(p)) return null;
  return Dir.start(p);
}

function withItems<T>(dir: string, create: boolean, fn: (items: Dir) => T): T | null {
  const items = openItems(dir, create);
  if (!items) return null;
  try {
    return fn(items);
  } finally {
    items.close();
  }
}

/** Atomic move between two open folders; across file systems: copy into `<to>.partial/`, fsync, rename, then delete the source. */
function moveAt(from: Dir, fromName: string, to: Dir, toName: string): void {
  from.verify();
  to.verify();
  try {
    renameSync(from.at(fromName), to.at(toName));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    // The copy is made inside a root-only staging folder: nobody else can reach into it while its
    // modes and owners are set, and only the finished copy is renamed into place.
    removeTreeAt(to, partial(toName));
    mkdirSync(to.at(partial(toName)), { mode: 0o700 });
    const staging = to.child(partial(toName));
    try {
      copyTreeAt(from, fromName, staging, 'item');
      staging.sync();
      to.verify();
      renameSync(staging.at('item'), to.at(toName));
    } finally {
      staging.close();
    }
    to.sync();
    removeTreeAt(to, partial(toName));
    removeTreeAt(from, fromName);
  }
  from.sync();
  to.sync();
}

function beginJournal(state: EnforceState, j: Journal): void {
  writeFileDurable(journalPath(state, j.id), JSON.stringify(j));
}

function endJournal(state: EnforceState, id: string): void {
  rmSync(journalPath(state, id), { force: true });
  fsyncDir(state.journal);
}

function unlinkIfPresent(p: string): void {
  try {
    unlinkSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Writes the notice shim next to `name` under a temp name (created exclusively, never through a link), then renames it over. */
function writeShimAt(dir: Dir, name: string, text: string): void {
  const tmp = shimTmp(name);
  unlinkIfPresent(dir.at(tmp));
  const fd = openSync(dir.at(tmp), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o755);
  try {
    fchmodSync(fd, 0o755);
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  dir.verify();
  renameSync(dir.at(tmp), dir.at(name));
  dir.sync();
}

/** Moves the install into the vault and leaves notice shims. Returns the manifest. */
export function quarantine(state: EnforceState, req: QuarantineRequest): QuarantineManifest {
  const now = req.now ?? new Date();
  const root = req.root ?? '/';
  const paths = [...new Set(req.paths)];
  if (paths.length === 0) throw new QuarantineError('nothing to quarantine');
  // Check and describe every item before anything moves; each is re-checked right before its move.
  const claimed: Stats[] = [];
  const items: QuarantineItem[] = paths.map((original, index) => {
    // Its owner, read through a walk that follows no link (the owner rule below depends on it).
    let st: Stats | null;
    try {
      st = withParent(root, original, undefined, (dir, name) => lstatOrNull(dir.at(name)));
    } catch (e) {
      if (e instanceof UnsafePathError) throw new QuarantineError(`${original} not touched: '${e.path}' ${e.reason}`);
      throw e;
    }
    if (!st) throw new QuarantineError(`${original} does not exist`);
    claimed[index] = st;
    const tree = atOriginal(root, { original, uid: st.uid, gid: st.gid }, false, (dir, name) => {
      sameEntry(dir, name, st, original);
      return describeAt(dir, name);
    });
    const top = tree[0]!;
    return { index, original, kind: top.kind, mode: top.mode, uid: top.uid, gid: top.gid, sha256: top.sha256 ?? null, tree, shim: req.commands.includes(original) && canShim(original) };
  });
  const id = newId(now);
  const dir = entryDir(state, id);
  mkdirSync(state.vault, { recursive: true, mode: 0o700 });
  mkdirSync(state.journal, { recursive: true, mode: 0o700 });

  beginJournal(state, { op: 'quarantine', id, time: now.toISOString() });
  mkdirSync(join(dir, 'items'), { recursive: true, mode: 0o700 });
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
    root,
    items,
  };
  writeManifest(dir, manifest);
  try {
    withItems(dir, true, (vaultItems) => {
      for (const it of items) {
        atOriginal(root, it, false, (pdir, name) => {
          sameEntry(pdir, name, claimed[it.index]!, it.original);
          moveAt(pdir, name, vaultItems, String(it.index));
        });
      }
    });
    for (const it of items) {
      if (!it.shim) continue;
      const text = shimFor(it.original, { id, toolName: req.toolName, message: req.decision.message, alternative: req.decision.alternative });
      atOriginal(root, it, false, (pdir, name) => writeShimAt(pdir, name, text));
    }
  } catch (e) {
    // A refused or failed move: put back what already moved, now rather than at the next start.
    try {
      rollBackQuarantine(state, id);
    } catch {
      // the journal stays; recoverInterrupted() finishes the roll-back at the next start
    }
    throw e;
  }
  manifest.status = 'quarantined';
  writeManifest(dir, manifest);
  endJournal(state, id);
  return manifest;
}

/** The entry is still the one that was checked (same device and inode, same owner). */
function sameEntry(dir: Dir, name: string, st: Stats, original: string): void {
  const now = lstatOrNull(dir.at(name));
  if (!now || now.dev !== st.dev || now.ino !== st.ino || now.uid !== st.uid) throw new QuarantineError(`${original} changed while it was being checked; not touched`);
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
  // A restore that was refused part-way (a parent swapped for a link between the check below and the
  // move) keeps its journal; finishing it is idempotent (recovery does the same), so it is resumed here
  // rather than left for an agent restart. An unfinished quarantine is still refused.
  if (existsSync(journalPath(state, id)) && pendingOp(state, id) !== 'restore') throw new QuarantineError(`entry '${id}' has an unfinished operation; restart the agent to recover it first`);
  const root = manifest.root ?? '/';
  // Refuse before changing anything when something new took an original place (e.g. a reinstall),
  // or when the way there is no longer safe (a parent replaced by a link). Items a resumed restore
  // already put back are not in the vault any more: their places are theirs.
  const inVault = withItems(dir, false, (items) => new Set(manifest.items.filter((it) => lstatOrNull(items.at(String(it.index))) !== null).map((it) => it.index))) ?? new Set<number>();
  for (const it of manifest.items) {
    if (!inVault.has(it.index)) continue;
    let occupied: boolean;
    try {
      occupied = withParent(root, it.original, ruleFor(root, it.uid), (pdir, name) => lstatOrNull(pdir.at(name)) !== null && !(it.shim && isOurShim(pdir.at(name), id)));
    } catch (e) {
      if (!(e instanceof UnsafePathError)) throw e;
      if (e.reason !== 'does not exist') throw new QuarantineError(`cannot restore '${id}': ${it.original} not touched: '${e.path}' ${e.reason}`);
      occupied = false; // a parent was removed: it is made again
    }
    if (occupied) throw new QuarantineError(`cannot restore '${id}': ${it.original} is occupied by something that is not warden's notice shim; move it away first`);
  }
  mkdirSync(state.journal, { recursive: true, mode: 0o700 });
  beginJournal(state, { op: 'restore', id, time: now.toISOString() });
  const restored = finishRestore(state, id, manifest);
  const problems: string[] = [];
  for (const it of manifest.items) {
    try {
      const got = atOriginal(root, it, false, (pdir, name) => describeAt(pdir, name));
      for (const p of diffTrees(it.tree, got)) problems.push(`${it.original}: ${p}`);
    } catch (e) {
      problems.push(`${it.original}: ${(e as Error).message}`);
    }
  }
  return { manifest, restored, problems };
}

/** The operation an entry's journal records, or null when it cannot be read. */
function pendingOp(state: EnforceState, id: string): Journal['op'] | null {
  try {
    const j = validate(Journal, JSON.parse(readFileSync(journalPath(state, id), 'utf8')), 'journal');
    return j.id === id ? j.op : null;
  } catch {
    return null;
  }
}

/** The idempotent second half of a restore (also how recovery completes an interrupted one). */
function finishRestore(state: EnforceState, id: string, manifest: QuarantineManifest): string[] {
  const dir = entryDir(state, id);
  const root = manifest.root ?? '/';
  const restored: string[] = [];
  withItems(dir, false, (items) => {
    for (const it of manifest.items) {
      const src = String(it.index);
      removeTreeAt(items, partial(src));
      if (!lstatOrNull(items.at(src))) continue; // already back
      atOriginal(root, it, true, (pdir, name) => {
        removeTreeAt(pdir, partial(name));
        unlinkIfPresent(pdir.at(shimTmp(name)));
        if (lstatOrNull(pdir.at(name))) {
          if (isOurShim(pdir.at(name), id)) unlinkSync(pdir.at(name));
          else {
            reconcile(items, src, pdir, name, it);
            return;
          }
        }
        moveAt(items, src, pdir, name);
        restoreOwner(pdir, name, it);
      });
      restored.push(it.original);
    }
  });
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
function reconcile(items: Dir, src: string, pdir: Dir, name: string, it: QuarantineItem): void {
  if (diffTrees(it.tree, describeAt(pdir, name)).length === 0) {
    removeTreeAt(items, src);
    return;
  }
  const vaultDiff = diffTrees(it.tree, describeAt(items, src));
  if (vaultDiff.length === 0) {
    removeTreeAt(pdir, name); // the half-deleted source
    moveAt(items, src, pdir, name);
    return;
  }
  throw new QuarantineError(`${it.original} exists and neither it nor the vault copy matches the manifest (${vaultDiff[0]}); both kept, resolve by hand`);
}

/** A cross-device copy as non-root could not keep owners; as root, put them back (through an fd: never a link). */
function restoreOwner(pdir: Dir, name: string, it: QuarantineItem): void {
  const top = it.tree[0];
  if (!top || top.kind === 'symlink') return;
  let fd: number;
  try {
    fd = openSync(pdir.at(name), constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    return; // reported by the tree comparison
  }
  try {
    const st = fstatSync(fd);
    if (st.uid !== top.uid || st.gid !== top.gid) {
      fchownSync(fd, top.uid, top.gid);
      fchmodSync(fd, top.mode); // chown cleared setuid/setgid
    }
  } catch {
    // reported by the tree comparison
  } finally {
    closeSync(fd);
  }
}

/** Rolls an interrupted quarantine back: every moved item returns to its original place. */
function rollBackQuarantine(state: EnforceState, id: string): void {
  const dir = entryDir(state, id);
  const manifest = readManifest(dir);
  if (manifest) {
    const root = manifest.root ?? '/';
    withItems(dir, false, (items) => {
      for (const it of [...manifest.items].reverse()) {
        const src = String(it.index);
        removeTreeAt(items, partial(src));
        // Not in the vault: this item never moved (its original place is not even opened, so an
        // unsafe parent that made the quarantine refuse cannot make the roll-back fail).
        if (!lstatOrNull(items.at(src))) continue;
        atOriginal(root, it, true, (pdir, name) => {
          removeTreeAt(pdir, partial(name));
          unlinkIfPresent(pdir.at(shimTmp(name)));
          if (lstatOrNull(pdir.at(name))) {
            if (isOurShim(pdir.at(name), id)) unlinkSync(pdir.at(name));
            else {
              reconcile(items, src, pdir, name, it);
              return;
            }
          }
          moveAt(items, src, pdir, name);
        });
      }
    });
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
