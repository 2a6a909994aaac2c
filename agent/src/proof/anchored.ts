// Folders the root agent acts in, held so that a symlink swapped in after the check cannot redirect
// the action. On Linux each folder is opened with O_DIRECTORY|O_NOFOLLOW, one component at a time,
// and its entries are addressed as /proc/self/fd/<fd>/<name>: the kernel resolves that through the
// open folder, not through its path, so replacing a parent by a symlink after it was checked changes
// nothing (openat semantics, which Node's path-based API lacks). Elsewhere entries are addressed by
// path and every component is re-checked by lstat (same device and inode, still not a link) right
// before each operation: a narrow window remains there, documented in SECURITY.md.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fchmodSync, fchownSync, fstatSync, fsyncSync, lchownSync, lstatSync, mkdirSync, openSync, renameSync, rmdirSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
export const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const OPEN_DIR = constants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/** Whether entries can be addressed through an open folder (Linux /proc/self/fd). */
export const FD_ANCHORED = process.platform === 'linux' && existsSync('/proc/self/fd');

/** A path the agent refuses to act on, and why (the reason is reported, never guessed around). */
export class UnsafePathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'UnsafePathError';
  }
}

/** Who may own the folders on the way to an install: root, the scan root's owner, the install's owner. */
export interface FolderRule {
  owners: ReadonlySet<number>;
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? 'EUNKNOWN';
}

/** Why `st` (a folder on the way) cannot be trusted under `rule`, or null. */
export function folderProblem(st: Stats, rule: FolderRule | undefined): string | null {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a folder';
  if (!rule) return null;
  if (!rule.owners.has(st.uid)) return `is owned by uid ${st.uid}, not by ${describeOwners(rule.owners)}`;
  // Anyone may rename entries of a world-writable folder without the sticky bit.
  if ((st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0) return 'is writable by every user (no sticky bit)';
  return null;
}

export function describeOwners(owners: ReadonlySet<number>): string {
  return [...owners].sort((a, b) => a - b).map((u) => `uid ${u}`).join(' or ');
}

interface Link {
  path: string;
  dev: number;
  ino: number;
}

/**
 * An open folder. `at(name)` is the path to use for any operation on an entry of it; `self()` the
 * path of the folder itself (readdir). Close it when done (a file descriptor on Linux).
 */
export class Dir {
  private open = true;

  private constructor(
    /** The lexical path (for messages and manifests). */
    readonly path: string,
    private readonly fd: number | null,
    /** Path fallback only: every component below the trusted start, re-checked by verify(). */
    private readonly chain: Link[],
    readonly stats: Stats,
  ) {}

  /** The trusted starting folder (the scan root, or '/'): opened as given, the operator chose it. */
  static start(path: string): Dir {
    const abs = resolve(path);
    if (FD_ANCHORED) {
      const fd = openSync(abs, constants.O_RDONLY | O_DIRECTORY);
      return new Dir(abs, fd, [], fstatSync(fd));
    }
    const st = statSync(abs);
    if (!st.isDirectory()) throw new UnsafePathError(abs, 'is not a folder');
    return new Dir(abs, null, [], st);
  }

  /**
   * Opens the sub-folder `name` without following a link. With `rule`, its owner and mode must pass;
   * with `create`, a missing folder is made (mode, then owner) before it is opened.
   */
  child(name: string, rule?: FolderRule, create?: { mode: number; uid?: number; gid?: number }): Dir {
    checkName(name);
    const p = join(this.path, name);
    if (FD_ANCHORED) {
      let fd: number;
      try {
        fd = openSync(this.at(name), OPEN_DIR);
      } catch (e) {
        if (errCode(e) === 'ENOENT' && create) {
          this.mkdir(name, create);
          return this.child(name, rule);
        }
        throw new UnsafePathError(p, this.whyNotOpened(name, e));
      }
      const st = fstatSync(fd);
      const why = folderProblem(st, rule);
      if (why) {
        closeSync(fd);
        throw new UnsafePathError(p, why);
      }
      return new Dir(p, fd, [], st);
    }
    this.verify();
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch (e) {
      if (errCode(e) === 'ENOENT' && create) {
        this.mkdir(name, create);
        return this.child(name, rule);
      }
      throw new UnsafePathError(p, this.whyNotOpened(name, e));
    }
    const why = folderProblem(st, rule);
    if (why) throw new UnsafePathError(p, why);
    return new Dir(p, null, [...this.chain, { path: p, dev: st.dev, ino: st.ino }], st);
  }

  /**
   * Makes the folder `name`. With an owner, it is made under a private temporary name, chowned through
   * its open descriptor and only then renamed into place: a user racing the parent (removing or
   * swapping `name` meanwhile) cannot leave a root-owned folder at `name`, nor get anything but this
   * new empty folder chowned. Whatever ends up at `name` is checked by the open that follows.
   */
  private mkdir(name: string, create: { mode: number; uid?: number; gid?: number }): void {
    if (create.uid === undefined || !FD_ANCHORED) {
      try {
        mkdirSync(this.at(name), { mode: create.mode });
      } catch (e) {
        if (errCode(e) !== 'EEXIST') throw e;
        return; // made meanwhile: the open that follows checks what it is
      }
      if (create.uid !== undefined) {
        try {
          lchownSync(this.at(name), create.uid, create.gid ?? -1);
        } catch {
          // not root: the folder stays ours
        }
      }
      return;
    }
    const tmp = `.${name}.warden-mkdir-${randomBytes(6).toString('hex')}`;
    mkdirSync(this.at(tmp), { mode: create.mode });
    let fd: number;
    try {
      fd = openSync(this.at(tmp), OPEN_DIR);
    } catch {
      return; // moved away meanwhile by whoever owns the parent: left to them
    }
    let ours = false;
    try {
      const st = fstatSync(fd);
      ours = st.isDirectory() && st.nlink === 2 && st.uid === (process.geteuid?.() ?? st.uid);
      if (ours) {
        try {
          fchownSync(fd, create.uid, create.gid ?? -1);
          fchmodSync(fd, create.mode);
        } catch {
          // not root: the folder stays ours
        }
      }
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(this.at(tmp), this.at(name));
    } catch {
      // `name` was made meanwhile (the open that follows checks it): drop the spare
      if (ours) {
        try {
          rmdirSync(this.at(tmp));
        } catch {
          // already moved or filled by the parent's owner: theirs
        }
      }
    }
  }

  private whyNotOpened(name: string, e: unknown): string {
    try {
      const st = lstatSync(this.at(name));
      if (st.isSymbolicLink()) return 'is a symbolic link';
      if (!st.isDirectory()) return 'is not a folder';
    } catch (e2) {
      if (errCode(e2) === 'ENOENT') return 'does not exist';
    }
    return `cannot be opened (${errCode(e)})`;
  }

  /** Path addressing the entry `name` of this folder. */
  at(name: string): string {
    checkName(name);
    this.assertOpen();
    return this.fd !== null ? `/proc/self/fd/${this.fd}/${name}` : join(this.path, name);
  }

  /** Path addressing this folder itself (for readdir). */
  self(): string {
    this.assertOpen();
    return this.fd !== null ? `/proc/self/fd/${this.fd}` : this.path;
  }

  /** Path fallback: throws when a component was replaced since it was checked. No-op when anchored. */
  verify(): void {
    this.assertOpen();
    for (const l of this.chain) {
      let st: Stats;
      try {
        st = lstatSync(l.path);
      } catch {
        throw new UnsafePathError(l.path, 'vanished after it was checked');
      }
      if (st.isSymbolicLink() || st.dev !== l.dev || st.ino !== l.ino) throw new UnsafePathError(l.path, 'was replaced after it was checked');
    }
  }

  /** fsync the folder, so a rename or unlink inside it is on disk. */
  sync(): void {
    this.assertOpen();
    let fd = this.fd;
    let mine = false;
    if (fd === null) {
      try {
        fd = openSync(this.path, constants.O_RDONLY);
        mine = true;
      } catch {
        return;
      }
    }
    try {
      fsyncSync(fd);
    } catch {
      // some file systems refuse fsync on folders; the rename is still atomic
    } finally {
      if (mine) closeSync(fd);
    }
  }

  close(): void {
    if (this.open && this.fd !== null) closeSync(this.fd);
    this.open = false;
  }

  private assertOpen(): void {
    if (!this.open) throw new Error(`folder handle for ${this.path} used after close`);
  }
}

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || (sep !== '/' && name.includes(sep))) throw new UnsafePathError(name, 'is not a single path component');
}

/** The components of `path` below `root`; refuses a path that is not inside it. */
export function componentsBelow(root: string, path: string): string[] {
  const r = resolve(root);
  const p = resolve(path);
  if (p !== path.replace(/[/\\]+$/, '')) throw new UnsafePathError(path, 'is not an absolute normalised path');
  const rel = relative(r, p);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new UnsafePathError(path, `is not inside ${r}`);
  return rel.split(sep);
}

/**
 * Opens the folder holding `path` (which lies below `root`), component by component without
 * following links, each folder checked against `rule`. Returns it with the entry's name.
 */
export function openParent(root: string, path: string, rule?: FolderRule, create?: { mode: number; uid?: number; gid?: number }): { dir: Dir; name: string } {
  const comps = componentsBelow(root, path);
  const name = comps.pop()!;
  let dir = Dir.start(root);
  try {
    for (const c of comps) {
      const next = dir.child(c, rule, create);
      dir.close();
      dir = next;
    }
  } catch (e) {
    dir.close();
    throw e;
  }
  return { dir, name };
}

/** Runs `fn` with the open parent of `path`, closing it afterwards. */
export function withParent<T>(root: string, path: string, rule: FolderRule | undefined, fn: (dir: Dir, name: string) => T, create?: { mode: number; uid?: number; gid?: number }): T {
  const { dir, name } = openParent(root, path, rule, create);
  try {
    return fn(dir, name);
  } finally {
    dir.close();
  }
}

/** lstat that returns null for absence. */
export function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return null;
    throw e;
  }
}
