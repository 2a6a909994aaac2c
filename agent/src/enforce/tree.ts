// Describes, copies and removes a file-system entry (file, symlink or folder tree) precisely enough to
// prove a restore put back every byte, mode, owner and link target: per entry relative path, kind,
// mode, uid, gid, size, sha256 (files) or target (symlinks).
// Every walk goes through open folders (proof/anchored.ts) and opens files with O_NOFOLLOW|O_NONBLOCK,
// checking they are still the entry that was lstat'ed: a user who swaps a folder of the tree for a
// symlink, or a file for a FIFO, mid-walk makes the walk fail — it never reads, copies or deletes
// outside the tree, and never hangs.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname } from 'node:path';
import { Dir, O_NOFOLLOW, O_NONBLOCK, UnsafePathError } from '../proof/anchored.ts';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface TreeEntry {
  /** '' for the entry itself, else a '/'-separated path inside it. */
  rel: string;
  kind: EntryKind;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime_ms: number;
  sha256?: string;
  target?: string;
}

export function kindOf(st: Stats): EntryKind {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

/** Opens the regular file at `p` (never through a final symlink, never blocking on a FIFO), checked to be `expect`. */
export function openRegularNoFollow(p: string, expect?: Stats): number {
  const fd = openSync(p, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  const st = fstatSync(fd);
  if (!st.isFile() || (expect && (st.ino !== expect.ino || st.dev !== expect.dev))) {
    closeSync(fd);
    throw new UnsafePathError(p, 'changed while being read');
  }
  return fd;
}

function hashFd(fd: number): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
  }
  return h.digest('hex');
}

export function sha256File(path: string): string {
  const fd = openRegularNoFollow(path);
  try {
    return hashFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Every entry of the tree `name` in `dir`, parents before children, names sorted. */
export function describeAt(dir: Dir, name: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  const visit = (d: Dir, n: string, rel: string): void => {
    const st = lstatSync(d.at(n));
    const kind = kindOf(st);
    const e: TreeEntry = { rel, kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: kind === 'file' ? st.size : 0, mtime_ms: Math.trunc(st.mtimeMs) };
    if (kind === 'file') {
      const fd = openRegularNoFollow(d.at(n), st);
      try {
        e.sha256 = hashFd(fd);
      } finally {
        closeSync(fd);
      }
    }
    if (kind === 'symlink') e.target = readlinkSync(d.at(n));
    out.push(e);
    if (kind === 'dir') {
      const sub = d.child(n);
      try {
        for (const c of readdirSync(sub.self()).sort()) visit(sub, c, rel ? `${rel}/${c}` : c);
      } finally {
        sub.close();
      }
    }
  };
  visit(dir, name, '');
  return out;
}

/** describeAt for a path whose parent folder is trusted (tests, the vault's own items). */
export function describeTree(path: string): TreeEntry[] {
  const dir = Dir.start(dirname(path));
  try {
    return describeAt(dir, basename(path));
  } finally {
    dir.close();
  }
}

/**
 * Copies the tree `sname` of `src` to `dname` in `dst` keeping modes, owners (when permitted), link
 * targets and times; files are fsynced. New entries are made 0600/0700 and only get their modes and
 * owners once complete, so nobody else can reach into a copy in progress.
 */
export function copyTreeAt(src: Dir, sname: string, dst: Dir, dname: string): void {
  const st = lstatSync(src.at(sname));
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src.at(sname)), dst.at(dname));
  } else if (st.isDirectory()) {
    mkdirSync(dst.at(dname), { mode: 0o700 });
    const s = src.child(sname);
    try {
      const d = dst.child(dname);
      try {
        for (const n of readdirSync(s.self())) copyTreeAt(s, n, d, n);
      } finally {
        d.close();
      }
    } finally {
      s.close();
    }
  } else if (st.isFile()) {
    const fin = openRegularNoFollow(src.at(sname), st);
    try {
      const fout = openSync(dst.at(dname), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
      try {
        const buf = Buffer.allocUnsafe(1 << 16);
        for (;;) {
          const n = readSync(fin, buf, 0, buf.length, null);
          if (n === 0) break;
          let off = 0;
          while (off < n) off += writeSync(fout, buf, off, n - off);
        }
        fsyncSync(fout);
      } finally {
        closeSync(fout);
      }
    } finally {
      closeSync(fin);
    }
  } else {
    throw new UnsafePathError(src.at(sname), 'is a special file (device, FIFO or socket): not moved');
  }
  try {
    lchownSync(dst.at(dname), st.uid, st.gid);
  } catch {
    // not root: owner stays ours; the manifest records the original owner
  }
  // chmod after chown: changing the owner clears setuid/setgid bits. Never on a link (chmod follows).
  if (!st.isSymbolicLink()) {
    chmodSync(dst.at(dname), st.mode & 0o7777);
    utimesSync(dst.at(dname), st.atime, st.mtime);
  }
}

/** Removes the tree `name` of `dir` (absent is fine), never following a link out of it. */
export function removeTreeAt(dir: Dir, name: string): void {
  let st: Stats;
  try {
    st = lstatSync(dir.at(name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isDirectory()) {
    unlinkSync(dir.at(name));
    return;
  }
  let sub: Dir;
  try {
    sub = dir.child(name);
  } catch (e) {
    if (!(e instanceof UnsafePathError)) throw e;
    unlinkSync(dir.at(name)); // swapped for a link or file since the lstat: remove that entry only
    return;
  }
  try {
    for (const n of readdirSync(sub.self())) removeTreeAt(sub, n);
  } finally {
    sub.close();
  }
  rmdirSync(dir.at(name));
}

/** Differences between two descriptions (empty when identical in content, kind, mode, owner, target). */
export function diffTrees(want: TreeEntry[], got: TreeEntry[]): string[] {
  const problems: string[] = [];
  const g = new Map(got.map((e) => [e.rel, e]));
  for (const w of want) {
    const e = g.get(w.rel);
    const name = w.rel || '.';
    if (!e) {
      problems.push(`${name}: missing`);
      continue;
    }
    g.delete(w.rel);
    if (e.kind !== w.kind) problems.push(`${name}: is a ${e.kind}, was a ${w.kind}`);
    else if (e.sha256 !== w.sha256) problems.push(`${name}: content differs`);
    else if (e.target !== w.target) problems.push(`${name}: link target differs`);
    if (e.mode !== w.mode) problems.push(`${name}: mode ${e.mode.toString(8)}, was ${w.mode.toString(8)}`);
    if (e.uid !== w.uid || e.gid !== w.gid) problems.push(`${name}: owner ${e.uid}:${e.gid}, was ${w.uid}:${w.gid}`);
  }
  for (const rel of g.keys()) problems.push(`${rel || '.'}: unexpected extra entry`);
  return problems;
}
