// Read-only, bounded filesystem access for the scan. Every failure that is not plain absence
// (permission denied, symlink loop, oversized or vanished file) is recorded as a skip with its
// reason, and the scan carries on. Nothing here executes, writes or follows a symlink twice.
// The scan runs as root over folders users control, so it only looks through a symlink that stays
// inside the scan root and that belongs to root or to the owner of what it points at: carol's
// `~/.local/share/claude/versions` → /var/lib/postgresql is not listed (and its `16` is no version).
import { closeSync, constants, fstatSync, lstatSync, opendirSync, openSync, readlinkSync, readSync, realpathSync, statSync, type Dir, type Dirent, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { Skipped } from '../../../wire/src/inventory.ts';

export const MAX_MANIFEST_BYTES = 1024 * 1024; // package.json, Info.plist, manifest.json, METADATA
export const MAX_DIR_ENTRIES = 20_000; // a folder bigger than this is read partially (recorded)
const MAX_LINK_HOPS = 16;

export type ReadHook = (path: string) => void;

function code(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'EUNKNOWN';
}

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);

export class ScanFs {
  readonly skipped: Skipped[] = [];
  private readonly skippedKeys = new Set<string>();
  private readonly lists = new Map<string, Dirent[] | null>();
  private readonly stats = new Map<string, Stats | null>();
  private readonly dirs = new Map<string, string[]>();
  private readonly indexes = new Map<string, unknown>();
  private readonly looks = new Map<string, boolean>();
  private realRoot: string | null = null;
  /** Files read (manifests); used by the bench and tests to show the scan stays targeted. */
  reads = 0;

  constructor(
    /** Absolute host path treated as the endpoint's filesystem root ('/' on a real endpoint). */
    readonly root: string,
    private readonly onRead?: ReadHook,
  ) {}

  skip(path: string, reason: string): void {
    const key = `${path}\0${reason}`;
    if (this.skippedKeys.has(key)) return;
    this.skippedKeys.add(key);
    this.skipped.push({ path, reason });
  }

  private failure(path: string, op: string, e: unknown): void {
    const c = code(e);
    if (ABSENT.has(c)) return;
    const why: Record<string, string> = {
      EACCES: 'permission denied',
      EPERM: 'operation not permitted',
      ELOOP: 'symlink loop',
      ENAMETOOLONG: 'path too long',
      EIO: 'I/O error',
    };
    this.skip(path, `${op}: ${why[c] ?? c}`);
  }

  /** Host path for an endpoint path (a path as it would be on the scanned machine). */
  host(endpointPath: string): string {
    return this.root === '/' ? endpointPath : join(this.root, endpointPath);
  }

  /**
   * May the scan look at `p` — is every symlink on its way below the root one that stays in the root
   * and is owned by root or by the owner of its target? Refusals are recorded (once) as skips.
   */
  private mayLook(p: string): boolean {
    const hit = this.looks.get(p);
    if (hit !== undefined) return hit;
    const below = relative(this.root, p);
    if (below === '' || below.startsWith('..') || isAbsolute(below)) return true; // the root itself is the operator's
    let ok = true;
    let real: string | null = null;
    try {
      real = realpathSync.native(p);
    } catch {
      real = null; // absent, dangling or a loop: the operation itself reports what it finds
    }
    if (real !== null && real !== p) {
      if (this.realRoot === null) this.realRoot = realpathSync.native(this.root);
      const rr = this.realRoot;
      if (rr !== sep && real !== rr && !real.startsWith(rr.endsWith(sep) ? rr : rr + sep)) {
        this.skip(p, 'symlink leads outside the scan root: not followed');
        ok = false;
      } else {
        // Parent first (memoised), then this component if it is a link.
        const parent = dirname(p);
        const rel = relative(this.root, parent);
        if (parent !== p && rel !== '' && !rel.startsWith('..') && !this.mayLook(parent)) ok = false;
        else ok = this.linkOwnerMatches(p);
      }
    }
    this.looks.set(p, ok);
    return ok;
  }

  private linkOwnerMatches(p: string): boolean {
    let l: Stats;
    try {
      l = lstatSync(p);
    } catch {
      return true;
    }
    if (!l.isSymbolicLink() || l.uid === 0) return true;
    let t: Stats;
    try {
      t = statSync(p);
    } catch {
      return true;
    }
    if (t.uid === l.uid) return true;
    this.skip(p, `symlink owned by uid ${l.uid} points at something owned by uid ${t.uid}: not followed`);
    return false;
  }

  lstat(p: string): Stats | null {
    if (!this.mayLook(dirname(p))) return null;
    try {
      return lstatSync(p);
    } catch (e) {
      this.failure(p, 'lstat', e);
      return null;
    }
  }

  /** stat (follows links; a loop or dangling link gives null, loops are recorded). */
  stat(p: string): Stats | null {
    const hit = this.stats.get(p);
    if (hit !== undefined) return hit;
    let s: Stats | null = null;
    if (!this.mayLook(p)) {
      this.stats.set(p, null);
      return null;
    }
    try {
      s = statSync(p);
    } catch (e) {
      this.failure(p, 'stat', e);
    }
    this.stats.set(p, s);
    return s;
  }

  isDir(p: string): boolean {
    return this.stat(p)?.isDirectory() ?? false;
  }

  exists(p: string): boolean {
    return this.lstat(p) !== null;
  }

  /** Directory entries (cached, bounded). Null when absent or unreadable. */
  list(p: string): Dirent[] | null {
    const hit = this.lists.get(p);
    if (hit !== undefined) return hit;
    let out: Dirent[] | null = null;
    let dir: Dir | null = null;
    if (!this.mayLook(p)) {
      this.lists.set(p, null);
      return null;
    }
    try {
      // Read entry by entry so a folder with millions of entries costs no more than the cap.
      dir = opendirSync(p, { bufferSize: 256 });
      out = [];
      for (let d = dir.readSync(); d !== null; d = dir.readSync()) {
        if (out.length === MAX_DIR_ENTRIES) {
          this.skip(p, `readdir: more than ${MAX_DIR_ENTRIES} entries, only the first ${MAX_DIR_ENTRIES} examined`);
          break;
        }
        out.push(d);
      }
    } catch (e) {
      this.failure(p, 'readdir', e);
      out = null;
    } finally {
      dir?.closeSync();
    }
    this.lists.set(p, out);
    return out;
  }

  /** Names of sub-folders (following links to folders; loops and dangling links are dropped). */
  subdirs(p: string): string[] {
    const hit = this.dirs.get(p);
    if (hit) return hit;
    const entries = this.list(p);
    const out: string[] = [];
    for (const d of entries ?? []) {
      if (d.isDirectory()) out.push(d.name);
      else if (d.isSymbolicLink() && this.isDir(join(p, d.name))) out.push(d.name);
    }
    this.dirs.set(p, out);
    return out;
  }

  /** A per-folder index built once per scan (e.g. dist-info names by normalised project). */
  indexOf<T>(kind: string, p: string, build: () => T): T {
    const key = `${kind}\0${p}`;
    let v = this.indexes.get(key) as T | undefined;
    if (v === undefined) {
      v = build();
      this.indexes.set(key, v);
    }
    return v;
  }

  /** Reads a small file fully; null (with a recorded reason) when too big, unreadable or gone. */
  readFile(p: string, maxBytes = MAX_MANIFEST_BYTES): Buffer | null {
    // Absent is normal (not every install has every manifest); present-then-gone is recorded.
    if (!this.lstat(p)) return null;
    this.onRead?.(p);
    let fd: number | null;
    try {
      fd = this.openRegular(p);
      if (fd === null) return null;
    } catch (e) {
      if (code(e) === 'ENOENT') this.skip(p, 'vanished during scan');
      else this.failure(p, 'open', e);
      return null;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) {
        this.skip(p, 'not a regular file');
        return null;
      }
      if (st.size > maxBytes) {
        this.skip(p, `too large (${st.size} bytes > ${maxBytes})`);
        return null;
      }
      const buf = Buffer.alloc(st.size);
      let off = 0;
      while (off < st.size) {
        const n = readSync(fd, buf, off, st.size - off, off);
        if (n === 0) break; // truncated while reading
        off += n;
      }
      this.reads++;
      return off === st.size ? buf : buf.subarray(0, off);
    } catch (e) {
      this.failure(p, 'read', e);
      return null;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The first `maxBytes` of a regular file (a prefix only: the size of the file does not matter).
   * Null when absent, not a regular file or unreadable; only real failures are recorded.
   */
  readHead(p: string, maxBytes: number): Buffer | null {
    this.onRead?.(p);
    let fd: number | null;
    try {
      fd = this.openRegular(p);
      if (fd === null) return null;
    } catch (e) {
      this.failure(p, 'open', e);
      return null;
    }
    try {
      const buf = Buffer.alloc(maxBytes);
      let off = 0;
      while (off < maxBytes) {
        const n = readSync(fd, buf, off, maxBytes - off, off);
        if (n === 0) break;
        off += n;
      }
      this.reads++;
      return buf.subarray(0, off);
    } catch (e) {
      this.failure(p, 'read', e);
      return null;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Opens a regular file for reading. Non-blocking, and the type is checked on the open
   * descriptor: a FIFO or device planted where a manifest should be must not hang the scan.
   */
  openRegular(p: string): number | null {
    if (!this.mayLook(p)) return null;
    const fd = openSync(p, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      this.skip(p, 'not a regular file');
      return null;
    }
    return fd;
  }

  /** Parses a JSON manifest; records why when it is binary, truncated or malformed. */
  readJson(p: string): Record<string, unknown> | null {
    const buf = this.readFile(p);
    if (!buf) return null;
    if (buf.includes(0)) {
      this.skip(p, 'malformed manifest: binary content');
      return null;
    }
    try {
      const v: unknown = JSON.parse(buf.toString('utf8').replace(/^\uFEFF/, ''));
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        this.skip(p, 'malformed manifest: not a JSON object');
        return null;
      }
      return v as Record<string, unknown>;
    } catch (e) {
      // Never the parser's message: V8 quotes the file's first bytes, and a link can point a
      // manifest path at any file the agent can read. Only where it broke.
      const at = /position (\d+)/.exec((e as Error).message)?.[1];
      this.skip(p, `malformed manifest: invalid JSON${at ? ` at byte ${at}` : ''}`);
      return null;
    }
  }

  /**
   * Resolves a symlink chain without following it twice. Absolute targets are re-rooted under
   * the scan root (a link in a scanned root points into that root, not into the scanning host).
   */
  resolveLink(p: string): { target: string; dangling: boolean } | null {
    const seen = new Set<string>();
    let cur = p;
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const st = this.lstat(cur);
      if (!st) return hop === 0 ? null : { target: cur, dangling: true };
      if (!st.isSymbolicLink()) return { target: cur, dangling: false };
      if (seen.has(cur)) break;
      seen.add(cur);
      let t: string;
      try {
        t = readlinkSync(cur);
      } catch (e) {
        this.failure(cur, 'readlink', e);
        return null;
      }
      t = t.replace(/\\/g, '/');
      cur = isAbsolute(t) || /^[A-Za-z]:\//.test(t) ? this.host(posix.normalize(t.replace(/^[A-Za-z]:/, ''))) : resolve(dirname(cur), t);
    }
    this.skip(p, 'symlink loop');
    return null;
  }
}
