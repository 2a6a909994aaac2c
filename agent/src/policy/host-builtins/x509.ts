// crypto.x509.* and crypto.parse_private_keys. Certificates and requests are reported with the
// field names of Go's x509.Certificate / x509.CertificateRequest as OPA returns them (Subject,
// Issuer, DNSNames, URIStrings, NotBefore, …), read with the DER reader in ./der.ts; signatures
// and keys go through node:crypto.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { children, integer, oid, readDer, seq, structureError, text, time, type Der } from './der.ts';
import { pemBlock } from './jwt-keys.ts';
import { constraintFields, parseNameConstraints, satisfiesConstraints, verifyFacts } from './x509-constraints.ts';
import type { HostImplementations } from './session.ts';
import { BuiltinError, obj, str, type EvalContext } from './types.ts';

/** Go's base64.StdEncoding.DecodeString: strict alphabet and padding. */
function stdBase64(s: string): Buffer {
  const bad = s.search(/[^A-Za-z0-9+/=\r\n]/);
  const clean = s.replace(/[\r\n]/g, '');
  if (bad >= 0) throw new BuiltinError(`illegal base64 data at input byte ${bad}`);
  if (clean.length % 4 !== 0) throw new BuiltinError(`illegal base64 data at input byte ${clean.length - (clean.length % 4)}`);
  const pad = clean.indexOf('=');
  if (pad >= 0 && pad < clean.length - 2) throw new BuiltinError(`illegal base64 data at input byte ${pad}`);
  return Buffer.from(clean, 'base64');
}

/** PEM blocks of a type, or DER, from a PEM string or base64 of PEM/DER (OPA's accepted inputs). */
function derBlocks(input: string, type: string): Buffer[] {
  let textIn = input;
  if (!input.trimStart().startsWith('-----BEGIN')) {
    const raw = stdBase64(input);
    if (!raw.toString('latin1').trimStart().startsWith('-----BEGIN')) return [raw];
    textIn = raw.toString('utf8');
  }
  const out: Buffer[] = [];
  let rest = textIn;
  for (let b = pemBlock(rest); b; b = pemBlock(rest)) {
    if (b.type === type) out.push(b.der);
    rest = b.rest;
  }
  return out;
}

const NAME_FIELDS: Record<string, string> = {
  '2.5.4.6': 'Country', '2.5.4.10': 'Organization', '2.5.4.11': 'OrganizationalUnit', '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province', '2.5.4.9': 'StreetAddress', '2.5.4.17': 'PostalCode',
};

/** A Name as Go's pkix.Name. */
function name(d: Der): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Country: null, Organization: null, OrganizationalUnit: null, Locality: null, Province: null,
    StreetAddress: null, PostalCode: null, SerialNumber: '', CommonName: '', Names: [], ExtraNames: null,
  };
  const names: { Type: number[]; Value: string }[] = [];
  for (const rdn of children(d)) {
    for (const atv of children(rdn)) {
      const [t, v] = seq(atv, 'attribute');
      if (!t || !v) throw structureError('attribute');
      const id = oid(t);
      const value = text(v);
      names.push({ Type: id.split('.').map(Number), Value: value });
      if (id === '2.5.4.3') out.CommonName = value;
      else if (id === '2.5.4.5') out.SerialNumber = value;
      else if (NAME_FIELDS[id]) out[NAME_FIELDS[id]] = [...((out[NAME_FIELDS[id]] as string[] | null) ?? []), value];
    }
  }
  out.Names = names;
  return out;
}

const EXT_KEY_USAGE: Record<string, number> = {
  '2.5.29.37.0': 0, '1.3.6.1.5.5.7.3.1': 1, '1.3.6.1.5.5.7.3.2': 2, '1.3.6.1.5.5.7.3.3': 3, '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5, '1.3.6.1.5.5.7.3.6': 6, '1.3.6.1.5.5.7.3.7': 7, '1.3.6.1.5.5.7.3.8': 8, '1.3.6.1.5.5.7.3.9': 9,
  '1.3.6.1.4.1.311.10.3.3': 10, '2.16.840.1.113730.4.1': 11, '1.3.6.1.4.1.311.2.1.22': 12, '1.3.6.1.4.1.311.61.1.1': 13,
};

/** The KeyUsages option's names for Go's ExtKeyUsage values (OPA's list). */
const KEY_USAGES: Record<string, number> = {
  KeyUsageAny: 0, KeyUsageServerAuth: 1, KeyUsageClientAuth: 2, KeyUsageCodeSigning: 3, KeyUsageEmailProtection: 4,
  KeyUsageIPSECEndSystem: 5, KeyUsageIPSECTunnel: 6, KeyUsageIPSECUser: 7, KeyUsageTimeStamping: 8, KeyUsageOCSPSigning: 9,
  KeyUsageMicrosoftServerGatedCrypto: 10, KeyUsageNetscapeServerGatedCrypto: 11,
  KeyUsageMicrosoftCommercialCodeSigning: 12, KeyUsageMicrosoftKernelCodeSigning: 13,
};

/** The extension fields of Go's Certificate (subject alternative names, constraints, usages, key ids). */
function extensions(exts: Der[], out: Record<string, unknown>): void {
  const list: unknown[] = [];
  for (const e of exts) {
    const parts = seq(e, 'extension');
    const id = oid(parts[0]!);
    const critical = parts.length === 3 && parts[1]!.tag === 0x01 && parts[1]!.content[0] !== 0;
    const value = readDer(parts[parts.length - 1]!.content);
    list.push({ Id: id.split('.').map(Number), Critical: critical, Value: parts[parts.length - 1]!.content.toString('base64') });
    if (id === '2.5.29.17') {
      const dns: string[] = [];
      const emails: string[] = [];
      const ips: string[] = [];
      const uris: string[] = [];
      for (const g of children(value)) {
        const tag = g.tag & 0x1f;
        if (tag === 1) emails.push(g.content.toString('utf8'));
        else if (tag === 2) dns.push(g.content.toString('utf8'));
        else if (tag === 6) uris.push(g.content.toString('utf8'));
        else if (tag === 7) ips.push(g.content.length === 4 ? [...g.content].join('.') : (g.content.toString('hex').match(/.{4}/g) ?? []).join(':'));
      }
      if (dns.length) out.DNSNames = dns;
      if (emails.length) out.EmailAddresses = emails;
      if (ips.length) out.IPAddresses = ips;
      if (uris.length) {
        out.URIStrings = uris;
        out.URIs = uris.map((u) => {
          try {
            const x = new URL(u);
            return { Scheme: x.protocol.replace(/:$/, ''), Host: x.host, Path: x.pathname, RawQuery: x.search.replace(/^\?/, ''), Fragment: x.hash.replace(/^#/, '') };
          } catch {
            return { Opaque: u };
          }
        });
      }
    } else if (id === '2.5.29.19') {
      out.BasicConstraintsValid = true;
      for (const c of children(value)) {
        if (c.tag === 0x01) out.IsCA = c.content[0] !== 0;
        else if (c.tag === 0x02) {
          out.MaxPathLen = Number(integer(c));
          out.MaxPathLenZero = out.MaxPathLen === 0;
        }
      }
    } else if (id === '2.5.29.15') {
      const bits = value.content.subarray(1);
      let usage = 0;
      for (let i = 0; i < Math.min(bits.length * 8, 9); i++) if (bits[i >> 3]! & (0x80 >> (i & 7))) usage |= 1 << i;
      out.KeyUsage = usage;
    } else if (id === '2.5.29.37') {
      const known: number[] = [];
      const unknown: number[][] = [];
      for (const o of children(value)) {
        const u = oid(o);
        if (u in EXT_KEY_USAGE) known.push(EXT_KEY_USAGE[u]!);
        else unknown.push(u.split('.').map(Number));
      }
      out.ExtKeyUsage = known;
      if (unknown.length) out.UnknownExtKeyUsage = unknown;
    } else if (id === '2.5.29.30') {
      Object.assign(out, constraintFields(parseNameConstraints(parts[parts.length - 1]!.content, critical)));
    } else if (id === '2.5.29.14') {
      out.SubjectKeyId = value.content.toString('base64');
    } else if (id === '2.5.29.35') {
      const kid = children(value).find((c) => c.tag === 0x80);
      if (kid) out.AuthorityKeyId = kid.content.toString('base64');
    }
  }
  out.Extensions = list;
}

function certificate(der: Buffer): Record<string, unknown> {
  let top: Der;
  try {
    top = readDer(der);
  } catch {
    throw new BuiltinError('x509: malformed certificate');
  }
  if (top.tag !== 0x30 || top.raw.length !== der.length) throw new BuiltinError('x509: malformed certificate');
  try {
    const [tbs, , sig] = seq(top, 'certificate');
    const f = seq(tbs, 'tbsCertificate');
    let i = 0;
    let version = 1;
    if (f[0]?.tag === 0xa0) version = Number(integer(readDer(f[i++]!.content))) + 1;
    const serial = f[i++]!;
    i++; // signature algorithm (repeated outside the TBS)
    const issuer = f[i++]!;
    const [nb, na] = seq(f[i++], 'validity');
    const subject = f[i++]!;
    const spki = f[i++]!;
    const out: Record<string, unknown> = {
      Raw: der.toString('base64'), RawTBSCertificate: tbs!.raw.toString('base64'), RawSubjectPublicKeyInfo: spki.raw.toString('base64'),
      RawSubject: subject.raw.toString('base64'), RawIssuer: issuer.raw.toString('base64'),
      Signature: sig ? sig.content.subarray(1).toString('base64') : null,
      Version: version, SerialNumber: BigInt(integer(serial)), Issuer: name(issuer), Subject: name(subject),
      NotBefore: time(nb!), NotAfter: time(na!), KeyUsage: 0, Extensions: null, ExtKeyUsage: null, UnknownExtKeyUsage: null,
      BasicConstraintsValid: false, IsCA: false, MaxPathLen: -1, MaxPathLenZero: false, SubjectKeyId: null, AuthorityKeyId: null,
      DNSNames: null, EmailAddresses: null, IPAddresses: null, URIs: null, URIStrings: null, ...constraintFields(null),
    };
    const ext = f.slice(i).find((x) => x.tag === 0xa3);
    if (ext) extensions(seq(readDer(ext.content), 'extensions'), out);
    return out;
  } catch (e) {
    if (e instanceof BuiltinError) throw e;
    throw new BuiltinError('x509: malformed certificate');
  }
}

function certificateRequest(der: Buffer): Record<string, unknown> {
  const top = readDer(der);
  const [info, , sig] = seq(top, 'certificate request');
  const f = seq(info, 'certificationRequestInfo');
  const subject = f[1];
  if (!subject || !f[2]) throw structureError('certificationRequestInfo');
  const out: Record<string, unknown> = {
    Raw: der.toString('base64'), RawTBSCertificateRequest: info!.raw.toString('base64'), RawSubjectPublicKeyInfo: f[2].raw.toString('base64'),
    RawSubject: subject.raw.toString('base64'), Version: Number(integer(f[0]!)), Signature: sig ? sig.content.subarray(1).toString('base64') : null,
    Subject: name(subject), Extensions: null, DNSNames: null, EmailAddresses: null, IPAddresses: null, URIs: null, URIStrings: null,
  };
  // Requested extensions: attribute extensionRequest (1.2.840.113549.1.9.14).
  const attrs = f.find((x) => x.tag === 0xa0);
  for (const a of attrs ? children(attrs) : []) {
    const [t, set] = seq(a, 'attribute');
    if (t && set && oid(t) === '1.2.840.113549.1.9.14') for (const exts of children(set)) extensions(seq(exts, 'extensions'), out);
  }
  return out;
}

/** JSON text with bigints as exact numbers (the SDK takes an ArrayBuffer as JSON text). */
function exactJson(v: unknown): ArrayBuffer {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `\u0000${x.toString()}\u0000` : x)).replace(/"\\u0000(-?\d+)\\u0000"/g, '$1');
  return new TextEncoder().encode(s).buffer as ArrayBuffer;
}

function parseCertificates(input: unknown): Buffer[] {
  const ders = derBlocks(str(input, 1), 'CERTIFICATE');
  // DER input may hold several certificates back to back.
  const out: Buffer[] = [];
  for (const der of ders) {
    let at = 0;
    while (at < der.length) {
      let d: Der;
      try {
        d = readDer(der, at);
      } catch {
        throw new BuiltinError('x509: malformed certificate');
      }
      out.push(der.subarray(at, at + d.raw.length));
      at += d.raw.length;
    }
  }
  return out;
}

/** What a chain is verified against (Go's x509.VerifyOptions as OPA fills them). */
interface VerifyOptions {
  nowMs: number;
  /** The leaf must be valid for this host name or IP address (its SANs; never the subject's CN). */
  dnsName?: string;
  /** Extended key usages one of which the whole chain must allow; empty = server authentication. */
  keyUsages: number[];
  /** Go's MaxConstraintComparisions: name-constraint comparisons allowed per CA (0 = Go's 250000). */
  maxComparisons?: number;
}

/** The options object of parse_and_verify_certificates_with_options; a bad option is OPA's error. */
function verifyOptions(options: Record<string, unknown>, nowMs: number): VerifyOptions {
  const out: VerifyOptions = { nowMs, keyUsages: [] };
  for (const key of Object.keys(options).sort()) {
    const v = options[key];
    if (key === 'DNSName') {
      if (typeof v !== 'string') throw new BuiltinError("'DNSName' should be a string");
      out.dnsName = v;
    } else if (key === 'CurrentTime') {
      if (typeof v !== 'number') throw new BuiltinError("'CurrentTime' should be a number");
      if (!Number.isInteger(v) || Math.abs(v) > 2 ** 63) throw new BuiltinError("'CurrentTime' should be a valid int64 number");
      out.nowMs = v / 1e6;
    } else if (key === 'MaxConstraintComparisons') {
      if (typeof v !== 'number') throw new BuiltinError("'MaxConstraintComparisons' should be a number");
      if (!Number.isInteger(v)) throw new BuiltinError("'MaxConstraintComparisons' should be a valid number");
      out.maxComparisons = v;
    } else if (key === 'KeyUsages') {
      // A set arrives as an array.
      if (!Array.isArray(v)) throw new BuiltinError("'KeyUsages' should be an Array or Set");
      const invalid: string[] = [];
      for (const u of v) {
        if (typeof u !== 'string') continue;
        const n = KEY_USAGES[u];
        if (n === undefined) invalid.push(u);
        else out.keyUsages.push(n);
      }
      if (invalid.length) throw new BuiltinError(`invalid entries for 'KeyUsages' found: [${invalid.join(' ')}]`);
    } else {
      throw new BuiltinError('invalid key option');
    }
  }
  return out;
}

/** Whether every certificate of the chain allows one of the wanted extended key usages (Go's rule). */
function chainAllowsUsage(chain: Buffer[], wanted: number[]): boolean {
  const usages = wanted.length ? [...wanted] : [1];
  if (usages.includes(0)) return true;
  let remaining = new Set(usages);
  for (const der of chain) {
    const c = certificate(der);
    const eku = (c.ExtKeyUsage as number[] | null) ?? [];
    const unknown = (c.UnknownExtKeyUsage as unknown[] | null) ?? [];
    // No extension: any usage; anyExtendedKeyUsage: likewise.
    if ((eku.length === 0 && unknown.length === 0) || eku.includes(0)) continue;
    remaining = new Set([...remaining].filter((u) => eku.includes(u)));
    if (remaining.size === 0) return false;
  }
  return true;
}

/** Whether the leaf is valid for a host name or IP address, by its subject alternative names. */
function validForHost(leaf: X509Certificate, host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare)) return leaf.checkIP(bare) !== undefined;
  return leaf.checkHost(host.replace(/\.$/, ''), { subject: 'never' }) !== undefined;
}

/**
 * The chain from the last certificate (leaf) to the first (the trusted root), each signed by the
 * next, all valid at the time, the leaf valid for the host name and the chain for the key usage.
 */
function verifiedChain(ders: Buffer[], opts: VerifyOptions): Buffer[] | null {
  if (ders.length < 2) return null;
  const certs = ders.map((d) => new X509Certificate(d));
  const chain = [...certs].reverse();
  if (opts.dnsName && !validForHost(chain[0]!, opts.dnsName)) return null;
  const leafFirst = [...ders].reverse();
  const facts = leafFirst.map(verifyFacts);
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    const f = facts[i]!;
    const issuer = chain[i + 1] ?? c;
    // Go's isValid, for the leaf (i = 0), each intermediate and the root.
    if (f.unhandledCritical) return null;
    if (opts.nowMs < Date.parse(c.validFrom) || opts.nowMs > Date.parse(c.validTo)) return null;
    if (i > 0 && f.constraints) {
      const below = facts.slice(0, i).flatMap((x) => (x.sans ? [x.sans] : []));
      if (!satisfiesConstraints(f.constraints, below, { count: 0, max: opts.maxComparisons || 250000 })) return null;
    }
    if (i > 0 && !c.ca) return null;
    // pathLenConstraint: at most that many intermediates below this CA.
    if (f.maxPathLen >= 0 && i - 1 > f.maxPathLen) return null;
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) return null;
  }
  return chainAllowsUsage(leafFirst, opts.keyUsages) ? leafFirst : null;
}

/** parse_and_verify_certificates(_with_options): [true, chain] or [false, []]. */
function parseAndVerify(input: unknown, opts: VerifyOptions, uriStrings: boolean): ArrayBuffer {
  let ders: Buffer[];
  try {
    ders = parseCertificates(input);
  } catch (e) {
    // Not a string is a type error; unreadable certificates are an invalid chain.
    if (e instanceof BuiltinError && e.code === 'eval_type_error') throw e;
    return exactJson([false, []]);
  }
  let chain: Buffer[] | null = null;
  try {
    chain = verifiedChain(ders, opts);
  } catch {
    chain = null;
  }
  if (!chain) return exactJson([false, []]);
  // OPA adds URIStrings only to the option-less builtin's certificates.
  return exactJson([true, chain.map((d) => withoutUriStrings(certificate(d), uriStrings))]);
}

function withoutUriStrings(c: Record<string, unknown>, keep: boolean): Record<string, unknown> {
  if (!keep) delete c.URIStrings;
  return c;
}

/** PEM text from a PEM string or base64 of PEM or DER (DER becomes a block of `derType`). */
function pemText(input: string, derType: string): string {
  if (input.startsWith('-----BEGIN')) return input;
  const raw = stdBase64(input);
  if (raw.subarray(0, 10).toString('latin1') === '-----BEGIN') return raw.toString('utf8');
  return `-----BEGIN ${derType}-----\n${raw.toString('base64')}\n-----END ${derType}-----\n`;
}

function pemBlocks(text: string): { type: string; der: Buffer }[] {
  const out: { type: string; der: Buffer }[] = [];
  let rest = text;
  for (let b = pemBlock(rest); b; b = pemBlock(rest)) {
    out.push(b);
    rest = b.rest;
  }
  return out;
}

function readPrivateKey(der: Buffer): KeyObject {
  for (const type of ['pkcs1', 'pkcs8', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // the next form
    }
  }
  throw new BuiltinError('tls: failed to parse private key');
}

/** crypto.x509.parse_keypair: Go's tls.X509KeyPair — the chain, the key (Go's struct) and the parsed leaf. */
function parseKeypair(certIn: unknown, keyIn: unknown): ArrayBuffer {
  const certBlocks = pemBlocks(pemText(str(certIn, 1), 'CERTIFICATE'));
  // OPA numbers both operands 1 in its type errors.
  const keyBlocks = pemBlocks(pemText(str(keyIn, 1), 'PRIVATE KEY'));
  const certs = certBlocks.filter((b) => b.type === 'CERTIFICATE').map((b) => b.der);
  if (certs.length === 0) {
    if (certBlocks.length === 0) throw new BuiltinError('tls: failed to find any PEM data in certificate input');
    throw new BuiltinError(`tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${certBlocks.map((b) => b.type).join(' ')}]`);
  }
  const keyBlock = keyBlocks.find((b) => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'));
  if (!keyBlock) {
    if (keyBlocks.length === 0) throw new BuiltinError('tls: failed to find any PEM data in key input');
    if (keyBlocks.some((b) => b.type === 'CERTIFICATE')) throw new BuiltinError('tls: found a certificate rather than a key in the PEM for the private key');
    throw new BuiltinError(`tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${keyBlocks.map((b) => b.type).join(' ')}]`);
  }
  const leaf = certificate(certs[0]!);
  const key = readPrivateKey(keyBlock.der);
  const certKey = new X509Certificate(certs[0]!).publicKey;
  if (certKey.asymmetricKeyType !== key.asymmetricKeyType) throw new BuiltinError('tls: private key type does not match public key type');
  const spki = (k: KeyObject): Buffer => k.export({ format: 'der', type: 'spki' });
  if (!spki(certKey).equals(spki(createPublicKey(key)))) throw new BuiltinError('tls: private key does not match public key');
  return exactJson({
    Certificate: certs.map((d) => d.toString('base64')), PrivateKey: goPrivateKey(key), SupportedSignatureAlgorithms: null,
    OCSPStaple: null, SignedCertificateTimestamps: null, Leaf: withoutUriStrings(leaf, false),
  });
}

function rsaJwk(key: KeyObject): Record<string, unknown> {
  return key.export({ format: 'jwk' }) as Record<string, unknown>;
}

const big = (b64url: unknown): bigint => BigInt(`0x${Buffer.from(String(b64url), 'base64url').toString('hex') || '0'}`);

/**
 * A private key as OPA reports it from crypto.parse_private_keys: Go's key struct as JSON. RSA:
 * {N, E, D, Primes, Precomputed: {Dp, Dq, Qinv, CRTValues}}; ECDSA: {Curve: {Name, BitSize}, X, Y,
 * D}; Ed25519: the 64-byte seed‖public key, base64 (Go's []byte).
 */
function goPrivateKey(key: KeyObject): Record<string, unknown> | string {
  const j = key.export({ format: 'jwk' }) as Record<string, string>;
  if (j.kty === 'RSA') {
    return { N: big(j.n), E: Number(big(j.e)), D: big(j.d), Primes: [big(j.p), big(j.q)], Precomputed: { Dp: big(j.dp), Dq: big(j.dq), Qinv: big(j.qi), CRTValues: [] } };
  }
  if (j.kty === 'EC') {
    const bits = { 'P-256': 256, 'P-384': 384, 'P-521': 521 }[j.crv ?? ''] ?? 0;
    return { Curve: { Name: j.crv, BitSize: bits }, X: big(j.x), Y: big(j.y), D: big(j.d) };
  }
  return Buffer.concat([Buffer.from(j.d ?? '', 'base64url'), Buffer.from(j.x ?? '', 'base64url')]).toString('base64');
}

export const x509Builtins: HostImplementations = (ctx: () => EvalContext) => ({
  'crypto.x509.parse_certificates': (input: unknown) => exactJson(parseCertificates(input).map(certificate)),
  'crypto.x509.parse_and_verify_certificates': (input: unknown) => parseAndVerify(input, { nowMs: ctx().nowNs / 1e6, keyUsages: [] }, true),
  'crypto.x509.parse_and_verify_certificates_with_options': (input: unknown, options: unknown) => {
    str(input, 1);
    return parseAndVerify(input, verifyOptions(obj(options, 2), ctx().nowNs / 1e6), false);
  },
  'crypto.x509.parse_keypair': parseKeypair,
  'crypto.x509.parse_certificate_request': (input: unknown) => {
    const [der] = derBlocks(str(input, 1), 'CERTIFICATE REQUEST');
    if (!der) throw new BuiltinError('failed to parse a PEM certificate request');
    return exactJson(certificateRequest(der));
  },
  'crypto.x509.parse_rsa_private_key': (input: unknown) => {
    const [der] = derBlocks(str(input, 1), 'RSA PRIVATE KEY');
    if (!der) throw new BuiltinError('failed to parse a PEM RSA private key');
    try {
      return rsaJwk(createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }));
    } catch (e) {
      throw new BuiltinError(`x509: ${(e as Error).message}`);
    }
  },
  'crypto.parse_private_keys': (input: unknown) => {
    const s = str(input, 1);
    if (s === '') return null;
    const keys: (Record<string, unknown> | string)[] = [];
    let rest = s;
    if (!rest.trimStart().startsWith('-----BEGIN')) {
      try {
        rest = stdBase64(rest).toString('utf8');
      } catch {
        return [];
      }
    }
    for (let b = pemBlock(rest); b; b = pemBlock(rest)) {
      rest = b.rest;
      const type = b.type === 'RSA PRIVATE KEY' ? 'pkcs1' : b.type === 'EC PRIVATE KEY' ? 'sec1' : b.type === 'PRIVATE KEY' ? 'pkcs8' : null;
      if (!type) continue;
      try {
        keys.push(goPrivateKey(createPrivateKey({ key: b.der, format: 'der', type })));
      } catch (e) {
        throw new BuiltinError(`failed to parse private key: ${(e as Error).message}`);
      }
    }
    return exactJson(keys);
  },
});
