// Version readers for the manifests tools ship with. They read, never execute; each returns null
// (with the reason recorded by ScanFs) when the manifest is missing, too large or malformed.
import { closeSync, fstatSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import type { ScanFs } from './scanfs.ts';

type PlistParsers = { parse: (xml: string) => unknown; parseBinary: (buf: Buffer) => unknown };
let plist: PlistParsers | null = null;

/**
 * Loads plist's parsers for infoPlist(). Loaded on demand: with xmldom they hold ~3 MB once loaded,
 * and only a layout whose catalog signatures read an Info.plist (macOS .app bundles) needs them;
 * scanInventory loads them for such a scan.
 */
export async function loadPlistParsers(): Promise<void> {
  if (plist) return;
  const m = await import('plist');
  plist = { parse: m.parse, parseBinary: m.parseBinary };
}

const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z.+_~-]{0,63}$/;

/** Keeps only plausible version strings (a manifest can hold anything). */
export function cleanVersion(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return VERSION_RE.test(s) ? s : null;
}

export function packageJson(fs: ScanFs, file: string): { name: string | null; version: string | null } | null {
  const j = fs.readJson(file);
  if (!j) return null;
  const version = cleanVersion(j.version);
  if (j.version !== undefined && version === null) fs.skip(file, 'malformed manifest: version is not a version string');
  return { name: typeof j.name === 'string' ? j.name : null, version };
}

/** Python wheel METADATA: RFC 822 headers; the 'Version:' header is the installed version. */
export function distMetadata(fs: ScanFs, file: string): { name: string | null; version: string | null } | null {
  const buf = fs.readFile(file);
  if (!buf) return null;
  if (buf.includes(0)) {
    fs.skip(file, 'malformed manifest: binary content');
    return null;
  }
  const head = buf.toString('utf8').split(/\r?\n\r?\n/, 1)[0] ?? '';
  const name = /^Name:\s*(.+)$/m.exec(head)?.[1]?.trim() ?? null;
  const version = cleanVersion(/^Version:\s*(.+)$/m.exec(head)?.[1]);
  if (!version) fs.skip(file, 'malformed manifest: no Version header');
  return { name, version };
}

/**
 * plist's XML parser (xmldom) reports malformed input on the console and offers no hook; the scan
 * records the problem itself, so those console lines are held back while it parses (synchronously).
 */
function quietly<T>(fn: () => T): T {
  const { error, warn, log } = console;
  const drop = () => {};
  console.error = console.warn = console.log = drop;
  try {
    return fn();
  } finally {
    console.error = error;
    console.warn = warn;
    console.log = log;
  }
}

/** Info.plist, XML or binary. */
export function infoPlist(fs: ScanFs, file: string): { version: string | null; bundleId: string | null } | null {
  const parsers = plist;
  if (!parsers) throw new Error('infoPlist: the plist parsers are not loaded (await loadPlistParsers() first)');
  const buf = fs.readFile(file);
  if (!buf) return null;
  let obj: unknown;
  try {
    if (buf.subarray(0, 6).toString('latin1') === 'bplist') {
      obj = parsers.parseBinary(buf);
    } else {
      if (buf.includes(0)) throw new Error('binary content that is not a binary plist');
      obj = quietly(() => parsers.parse(buf.toString('utf8')));
    }
  } catch {
    // The parser's message can quote the file; the reason must not carry its content.
    fs.skip(file, `malformed plist: ${buf.subarray(0, 6).toString('latin1') === 'bplist' ? 'invalid binary plist' : 'invalid XML plist'}`);
    return null;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    fs.skip(file, 'malformed plist: top level is not a dictionary');
    return null;
  }
  const d = obj as Record<string, unknown>;
  return {
    version: cleanVersion(d.CFBundleShortVersionString) ?? cleanVersion(d.CFBundleVersion),
    bundleId: typeof d.CFBundleIdentifier === 'string' ? d.CFBundleIdentifier : null,
  };
}

const MAX_JAR_BYTES = 200 * 1024 * 1024;
const MAX_ENTRY_BYTES = 1024 * 1024;

/**
 * Reads META-INF/plugin.xml out of a JetBrains plugin jar (a zip) via its central directory,
 * without unpacking anything else. Returns the plugin id and version.
 */
export function jarPluginXml(fs: ScanFs, jar: string): { id: string | null; version: string | null } | null {
  let fd: number | null;
  try {
    fd = fs.openRegular(jar);
  } catch {
    fs.skip(jar, 'open: unreadable jar');
    return null;
  }
  if (fd === null) return null;
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_JAR_BYTES) {
      fs.skip(jar, `too large (${size} bytes)`);
      return null;
    }
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    readSync(fd, tail, 0, tailLen, size - tailLen);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw new Error('no zip end record');
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOff = tail.readUInt32LE(eocd + 16);
    if (cdOff + cdSize > size || cdSize > 16 * 1024 * 1024) throw new Error('bad central directory');
    const cd = Buffer.alloc(cdSize);
    readSync(fd, cd, 0, cdSize, cdOff);
    for (let p = 0; p + 46 <= cd.length && cd.readUInt32LE(p) === 0x02014b50; ) {
      const method = cd.readUInt16LE(p + 10);
      const csize = cd.readUInt32LE(p + 20);
      const usize = cd.readUInt32LE(p + 24);
      const nlen = cd.readUInt16LE(p + 28);
      const elen = cd.readUInt16LE(p + 30);
      const clen = cd.readUInt16LE(p + 32);
      const local = cd.readUInt32LE(p + 42);
      const name = cd.subarray(p + 46, p + 46 + nlen).toString('utf8');
      p += 46 + nlen + elen + clen;
      if (name !== 'META-INF/plugin.xml') continue;
      if (csize > MAX_ENTRY_BYTES || usize > MAX_ENTRY_BYTES) throw new Error('plugin.xml too large');
      const lh = Buffer.alloc(30);
      readSync(fd, lh, 0, 30, local);
      if (lh.readUInt32LE(0) !== 0x04034b50) throw new Error('bad local header');
      const data = Buffer.alloc(csize);
      readSync(fd, data, 0, csize, local + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28));
      const xml = (method === 0 ? data : inflateRawSync(data, { maxOutputLength: MAX_ENTRY_BYTES })).toString('utf8');
      fs.reads++;
      return {
        id: /<id>\s*([^<\s]+)\s*<\/id>/.exec(xml)?.[1] ?? null,
        version: cleanVersion(/<version>\s*([^<]+?)\s*<\/version>/.exec(xml)?.[1]),
      };
    }
    return null;
  } catch (e) {
    fs.skip(jar, `malformed jar: ${(e as Error).message.slice(0, 120)}`);
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Numeric-aware version ordering ('1.10.0' > '1.9.2'; '2.0.0-beta.1' < '2.0.0', as in semver). */
export function compareVersions(a: string, b: string): number {
  const [ma, pa] = splitPre(a);
  const [mb, pb] = splitPre(b);
  const c = compareParts(ma, mb);
  if (c !== 0) return c;
  if (pa === pb) return 0;
  if (pa === null) return 1;
  if (pb === null) return -1;
  return compareParts(pa, pb);
}

function splitPre(v: string): [string, string | null] {
  const m = /^([0-9][0-9.]*?)-([A-Za-z].*)$/.exec(v);
  return m ? [m[1]!, m[2]!] : [v, null];
}

function compareParts(a: string, b: string): number {
  const pa = a.split(/[.+_~-]/);
  const pb = b.split(/[.+_~-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx - ny;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
