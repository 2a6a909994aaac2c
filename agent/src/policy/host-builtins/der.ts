// A minimal DER reader for the X.509 structures the crypto.x509 builtins report (RFC 5280,
// RFC 2986): tag, content and children; anything malformed throws Go's "asn1: structure error".
import { BuiltinError } from './types.ts';

export interface Der {
  tag: number;
  /** The whole element (header and content). */
  raw: Buffer;
  content: Buffer;
}

export function structureError(what: string): BuiltinError {
  return new BuiltinError(`asn1: structure error: ${what}`);
}

/** The element at offset 0 of buf. */
export function readDer(buf: Buffer, at = 0): Der {
  if (at + 2 > buf.length) throw structureError('truncated tag or length');
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > buf.length) throw structureError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i]!;
    hdr += n;
  }
  if (at + hdr + len > buf.length) throw structureError('data truncated');
  return { tag, raw: buf.subarray(at, at + hdr + len), content: buf.subarray(at + hdr, at + hdr + len) };
}

/** The children of a constructed element. */
export function children(d: Der): Der[] {
  const out: Der[] = [];
  let at = 0;
  while (at < d.content.length) {
    const c = readDer(d.content, at);
    out.push(c);
    at += c.raw.length;
  }
  return out;
}

export function seq(d: Der | undefined, what: string): Der[] {
  if (!d || d.tag !== 0x30) throw structureError(`expected a SEQUENCE (${what})`);
  return children(d);
}

export function oid(d: Der): string {
  const b = d.content;
  const parts: number[] = [];
  let v = 0;
  for (const x of b) {
    v = v * 128 + (x & 0x7f);
    if (!(x & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - a * 40, ...parts].join('.');
}

/** An INTEGER as a decimal string (any size). */
export function integer(d: Der): string {
  let n = BigInt(`0x${d.content.toString('hex') || '0'}`);
  if (d.content.length && d.content[0]! & 0x80) n -= 1n << BigInt(8 * d.content.length);
  return n.toString();
}

export function text(d: Der): string {
  // BMPString (0x1e) is UTF-16BE; the other string types are read as UTF-8/Latin-1 compatible.
  if (d.tag === 0x1e) {
    const le = Buffer.from(d.content);
    le.swap16();
    return le.toString('utf16le');
  }
  return d.content.toString('utf8');
}

/** UTCTime / GeneralizedTime as RFC 3339 (Go's time.Time JSON). */
export function time(d: Der): string {
  const s = d.content.toString('ascii');
  const m = d.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw structureError(`bad time ${s}`);
  const year = d.tag === 0x17 ? (Number(m[1]) >= 50 ? 1900 : 2000) + Number(m[1]) : Number(m[1]);
  return `${String(year).padStart(4, '0')}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}
