// OPA bundle archives (tar.gz) in memory: the server packs signed bundles, the agent unpacks what it
// downloads. Both sides treat the archive as hostile input until its signature is checked, so reading
// is bounded (compressed and expanded size, entry count) and anything but plain files with safe
// relative paths is refused with a clear error instead of being written anywhere.
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header, Parser, type ReadEntry } from 'tar';

/** Bundle contents: path inside the bundle (no leading slash, e.g. `.manifest`, `policy.wasm`) → bytes. */
export type BundleFiles = Map<string, Buffer>;

export interface ArchiveLimits {
  /** Largest accepted compressed archive (bytes). */
  maxCompressed: number;
  /** Largest accepted expanded tar stream (bytes): guards against gzip bombs. */
  maxExpanded: number;
  /** Most entries accepted. */
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxCompressed: 32 * 1024 * 1024,
  maxExpanded: 128 * 1024 * 1024,
  maxEntries: 10_000,
};

export class BundleArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleArchiveError';
  }
}

/** Normalises an archive path (`/data.json`, `./data.json` → `data.json`) or returns null when unsafe. */
export function normaliseBundlePath(p: string): string | null {
  const stripped = p.replace(/^(\.\/|\/)+/, '');
  if (stripped === '' || stripped.includes('\\') || stripped.includes('\0')) return null;
  const parts = stripped.split('/').filter((s) => s !== '');
  if (parts.some((s) => s === '.' || s === '..')) return null;
  return parts.join('/');
}

/** Packs files into a deterministic tar.gz (fixed mtime, sorted names, no owner data). */
export function packBundle(files: BundleFiles): Buffer {
  const chunks: Buffer[] = [];
  const names = [...files.keys()].sort();
  for (const name of names) {
    const safe = normaliseBundlePath(name);
    if (safe === null || safe !== name) throw new BundleArchiveError(`cannot pack unsafe bundle path '${name}'`);
    const data = files.get(name) as Buffer;
    const header = new Header({
      path: `/${name}`,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: data.length,
      mtime: new Date(0),
      type: 'File',
    });
    const block = Buffer.alloc(512);
    if (header.encode(block, 0)) throw new BundleArchiveError(`bundle path too long for a plain tar header: '${name}'`);
    chunks.push(block, data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) chunks.push(Buffer.alloc(pad));
  }
  chunks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(chunks));
}

/** Unpacks a bundle tar.gz into memory, refusing truncated, oversized or unsafe archives. */
export async function unpackBundle(archive: Buffer, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<BundleFiles> {
  if (archive.length === 0) throw new BundleArchiveError('bundle archive is empty');
  if (archive.length > limits.maxCompressed) {
    throw new BundleArchiveError(`bundle archive is ${archive.length} bytes, over the ${limits.maxCompressed}-byte limit`);
  }
  if (archive[0] !== 0x1f || archive[1] !== 0x8b) throw new BundleArchiveError('bundle archive is not gzip data');
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(archive, { maxOutputLength: limits.maxExpanded });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || code === 'ERR_OUT_OF_RANGE') {
      throw new BundleArchiveError(`bundle archive expands past the ${limits.maxExpanded}-byte limit`);
    }
    throw new BundleArchiveError(`bundle archive is truncated or corrupt gzip: ${(e as Error).message}`);
  }
  // A complete tar stream ends with two zero blocks; a shorter stream was cut off in transit.
  if (tarBytes.length < 1024 || tarBytes.length % 512 !== 0 || !tarBytes.subarray(-1024).every((b) => b === 0)) {
    throw new BundleArchiveError('bundle archive is truncated: tar stream lacks its end-of-archive blocks');
  }

  const files: BundleFiles = new Map();
  const problems: string[] = [];
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      if (files.size + problems.length >= limits.maxEntries) {
        problems.push(`more than ${limits.maxEntries} entries`);
        entry.resume();
        return;
      }
      const name = normaliseBundlePath(entry.path);
      if (entry.type === 'Directory') {
        entry.resume();
        return;
      }
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
        problems.push(`entry '${entry.path}' is a ${entry.type}, only plain files are allowed`);
        entry.resume();
        return;
      }
      if (name === null) {
        problems.push(`entry path '${entry.path}' is unsafe`);
        entry.resume();
        return;
      }
      if (files.has(name)) {
        problems.push(`entry '${name}' appears twice`);
        entry.resume();
        return;
      }
      const parts: Buffer[] = [];
      entry.on('data', (c: Buffer) => parts.push(c));
      entry.on('end', () => files.set(name, Buffer.concat(parts)));
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('error', (e: Error) => reject(new BundleArchiveError(`bundle archive is not a valid tar: ${e.message}`)));
    parser.on('warn', (_code: string, msg: string | Error) =>
      reject(new BundleArchiveError(`bundle archive is not a valid tar: ${typeof msg === 'string' ? msg : msg.message}`)),
    );
    parser.on('end', () => resolve());
    parser.end(tarBytes);
  });
  if (problems.length) throw new BundleArchiveError(`bundle archive refused: ${problems.slice(0, 3).join('; ')}`);
  return files;
}
