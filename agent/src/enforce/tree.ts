// Describes a file-system entry (file, symlink or folder tree) precisely enough to prove a restore put
// back every byte, mode, owner and link target: per entry relative path, kind, mode, uid, gid, size,
// sha256 (files) or target (symlinks).
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';

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

export function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Every entry of the tree at `path`, parents before children, names sorted. */
export function describeTree(path: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  const visit = (abs: string, rel: string): void => {
    const st = lstatSync(abs);
    const kind = kindOf(st);
    const e: TreeEntry = { rel, kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: kind === 'file' ? st.size : 0, mtime_ms: Math.trunc(st.mtimeMs) };
    if (kind === 'file') e.sha256 = sha256File(abs);
    if (kind === 'symlink') e.target = readlinkSync(abs);
    out.push(e);
    if (kind === 'dir') for (const name of readdirSync(abs).sort()) visit(join(abs, name), rel ? `${rel}/${name}` : name);
  };
  visit(path, '');
  return out;
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
