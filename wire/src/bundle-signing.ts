// Signed policy bundles (ed25519, node:crypto only).
//
// Format choice: OPA's own `.signatures.json` ({"signatures":[<JWT>]}) whose JWT payload lists every
// file of the bundle with its SHA-256 hash, rather than a detached signature over a home-made file list.
// Why: it is the format OPA's bundle tooling and control planes already speak (anchors §4.1), it lives
// inside the bundle so the bundle stays one self-contained tar.gz (persisted as-is for offline use),
// and "the file set must match exactly" is part of the format. JWT header: alg "EdDSA" + kid; payload:
// files[{name,hash,algorithm}], keyid, iat, iss, scope. JSON files (.json and .manifest) are hashed in
// canonical form (sorted keys, no whitespace) as OPA does; every other file is hashed as raw bytes.
//
// The agent pins exactly one public key (from its config); anything not signed by it is refused:
// unsigned, malformed signature file, wrong key, bad signature, tampered / missing / extra files.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleArchiveError, packBundle, unpackBundle, type ArchiveLimits, type BundleFiles } from './bundle-archive.ts';
import { canonicalJson } from './canonical-json.ts';

export { canonicalJson };

export const SIGNATURES_FILE = '.signatures.json';

export type BundleSignatureProblem =
  | 'corrupt_archive'
  | 'unsigned'
  | 'bad_signature_file'
  | 'wrong_key'
  | 'bad_signature'
  | 'tampered'
  | 'missing_file'
  | 'unexpected_file';

export class BundleSignatureError extends Error {
  constructor(
    readonly problem: BundleSignatureProblem,
    message: string,
  ) {
    super(message);
    this.name = 'BundleSignatureError';
  }
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

export interface SignedFileEntry {
  name: string;
  hash: string;
  algorithm: 'SHA-256';
}

export interface SignaturePayload {
  files: SignedFileEntry[];
  keyid: string;
  iat: number;
  iss: string;
  scope: string;
}

export interface VerifiedBundle {
  /** The bundle's files without `.signatures.json`. */
  files: BundleFiles;
  /** The verified JWT payload (iat lets the agent refuse a replayed older bundle). */
  signature: SignaturePayload;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Stable key id: `ed25519:` + the first 16 hex digits of the SHA-256 of the public key (SPKI DER). */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const der = key.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem, keyId: keyIdOf(publicKey) };
}

export const PRIVATE_KEY_FILE = 'bundle-signing.key';
export const PUBLIC_KEY_FILE = 'bundle-signing.pub';

/**
 * Loads the server's bundle-signing key from `dir`, creating it on first start. The private key file
 * is written with mode 0600 (owner only) and refused if group/other can read it; the public key is
 * written next to it so admins can hand it to agents (`--bundle-key`).
 */
export function loadOrCreateSigningKey(dir: string): SigningKey {
  const privPath = join(dir, PRIVATE_KEY_FILE);
  const pubPath = join(dir, PUBLIC_KEY_FILE);
  if (!existsSync(privPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const key = generateSigningKey();
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(privPath, pem, { mode: 0o600, flag: 'wx' });
    chmodSync(privPath, 0o600); // the umask can only remove bits, but be explicit
    writeFileSync(pubPath, key.publicKeyPem, { mode: 0o644 });
    return key;
  }
  const key = readSigningKeyFile(privPath);
  if (!existsSync(pubPath)) writeFileSync(pubPath, key.publicKeyPem, { mode: 0o644 });
  return key;
}

function readSigningKeyFile(privPath: string): SigningKey {
  if (process.platform !== 'win32' && (statSync(privPath).mode & 0o077) !== 0) {
    throw new Error(`bundle signing key ${privPath} is readable by group or others; run: chmod 600 ${privPath}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(privPath));
  } catch (e) {
    throw new Error(`bundle signing key ${privPath} is not a valid PEM private key: ${(e as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`bundle signing key ${privPath} is not an ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem, keyId: keyIdOf(publicKey) };
}

/** The key kept during a rotation: it signs a copy of each bundle naming the new key (bundle-order.ts). */
export const PREVIOUS_KEY_FILE = 'bundle-signing.previous.key';

export interface SigningKeys {
  current: SigningKey;
  /** Set while a rotation is in progress: agents still pinning it are handed the new key through it. */
  previous: SigningKey | null;
}

/** The current key (created on first start) and, during a rotation, the previous one. */
export function loadSigningKeys(dir: string): SigningKeys {
  const current = loadOrCreateSigningKey(dir);
  const prevPath = join(dir, PREVIOUS_KEY_FILE);
  return { current, previous: existsSync(prevPath) ? readSigningKeyFile(prevPath) : null };
}

/**
 * `warden server rotate-key`: the current key becomes the previous one and a new key is made current.
 * Refused while a rotation is still in progress (its previous key is still needed by agents that have
 * not switched yet) unless `force`. `finish` ends a rotation: the previous key file is deleted.
 */
export function rotateSigningKey(dir: string, opts: { finish?: boolean; force?: boolean } = {}): { current: string; previous: string | null } {
  const privPath = join(dir, PRIVATE_KEY_FILE);
  const prevPath = join(dir, PREVIOUS_KEY_FILE);
  if (!existsSync(privPath)) throw new Error(`no bundle signing key in ${dir}: nothing to rotate`);
  const old = readSigningKeyFile(privPath);
  if (opts.finish) {
    if (!existsSync(prevPath)) throw new Error(`no rotation in progress in ${dir}`);
    rmSync(prevPath);
    return { current: old.keyId, previous: null };
  }
  if (existsSync(prevPath) && !opts.force) {
    throw new Error(`a rotation is in progress (${PREVIOUS_KEY_FILE} exists): finish it first (--finish) once every agent runs the new key, or --force (agents still pinning the older key will refuse every later bundle)`);
  }
  const next = generateSigningKey();
  const tmp = join(dir, `${PRIVATE_KEY_FILE}.new`);
  rmSync(tmp, { force: true });
  writeFileSync(tmp, next.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  // previous first: a crash between the two renames leaves both files holding the old key, which a
  // retried rotation handles (--force), and never loses the key agents pin.
  copyFileSync(privPath, prevPath);
  chmodSync(prevPath, 0o600);
  renameSync(tmp, privPath);
  writeFileSync(join(dir, PUBLIC_KEY_FILE), next.publicKeyPem, { mode: 0o644 });
  return { current: next.keyId, previous: old.keyId };
}

const isStructured = (name: string): boolean => name.endsWith('.json') || name === '.manifest' || name.endsWith('/.manifest');

/** SHA-256 (hex) of one bundle file: canonical JSON for JSON files, raw bytes otherwise. */
export function hashBundleFile(name: string, bytes: Buffer): string {
  const h = createHash('sha256');
  if (isStructured(name)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new BundleSignatureError('tampered', `bundle file '${name}' is not valid JSON: ${(e as Error).message}`);
    }
    h.update(canonicalJson(parsed));
  } else {
    h.update(bytes);
  }
  return h.digest('hex');
}

export interface SignOptions {
  issuer?: string;
  scope?: string;
  /** Seconds since epoch; defaults to now. */
  iat?: number;
}

/** Returns the bundle's files plus a `.signatures.json` signing all of them. */
export function signBundle(files: BundleFiles, key: SigningKey, opts: SignOptions = {}): BundleFiles {
  const names = [...files.keys()].filter((n) => n !== SIGNATURES_FILE).sort();
  const payload: SignaturePayload = {
    files: names.map((name) => ({ name, hash: hashBundleFile(name, files.get(name) as Buffer), algorithm: 'SHA-256' })),
    keyid: key.keyId,
    iat: opts.iat ?? Math.floor(Date.now() / 1000),
    iss: opts.issuer ?? 'warden-server',
    scope: opts.scope ?? 'write',
  };
  const header = { alg: 'EdDSA', typ: 'JWT', kid: key.keyId };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = sign(null, Buffer.from(signingInput), key.privateKey);
  const out: BundleFiles = new Map();
  for (const n of names) out.set(n, files.get(n) as Buffer);
  out.set(SIGNATURES_FILE, Buffer.from(JSON.stringify({ signatures: [`${signingInput}.${b64url(sig)}`] })));
  return out;
}

function parseJsonPart(part: string, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new BundleSignatureError('bad_signature_file', `bundle signature ${what} is not a JSON object`);
}

function parsePayload(raw: Record<string, unknown>): SignaturePayload {
  const files = raw.files;
  if (!Array.isArray(files)) throw new BundleSignatureError('bad_signature_file', 'bundle signature payload has no files list');
  const entries: SignedFileEntry[] = files.map((f: unknown, i) => {
    const e = f as Record<string, unknown> | null;
    if (!e || typeof e.name !== 'string' || typeof e.hash !== 'string' || (e.algorithm ?? 'SHA-256') !== 'SHA-256') {
      throw new BundleSignatureError('bad_signature_file', `bundle signature payload files[${i}] needs name, hash and algorithm SHA-256`);
    }
    return { name: e.name, hash: e.hash, algorithm: 'SHA-256' };
  });
  return {
    files: entries,
    keyid: typeof raw.keyid === 'string' ? raw.keyid : '',
    iat: typeof raw.iat === 'number' ? raw.iat : 0,
    iss: typeof raw.iss === 'string' ? raw.iss : '',
    scope: typeof raw.scope === 'string' ? raw.scope : '',
  };
}

/**
 * Verifies a bundle's files against the pinned public key. Throws a BundleSignatureError naming the
 * problem; returns the files without the signature file and the verified payload.
 */
export function verifyBundle(files: BundleFiles, pinnedPublicKeyPem: string): VerifiedBundle {
  const pinned = createPublicKey(pinnedPublicKeyPem);
  if (pinned.asymmetricKeyType !== 'ed25519') throw new Error('the pinned bundle key is not an ed25519 public key');
  const pinnedId = keyIdOf(pinned);

  const sigFile = files.get(SIGNATURES_FILE);
  if (!sigFile) throw new BundleSignatureError('unsigned', `bundle is unsigned: it has no ${SIGNATURES_FILE}`);
  let doc: unknown;
  try {
    doc = JSON.parse(sigFile.toString('utf8'));
  } catch {
    throw new BundleSignatureError('bad_signature_file', `${SIGNATURES_FILE} is not valid JSON`);
  }
  const sigs = (doc as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(sigs) || sigs.length !== 1 || typeof sigs[0] !== 'string') {
    throw new BundleSignatureError('bad_signature_file', `${SIGNATURES_FILE} must hold exactly one signature (a JWT string)`);
  }
  const parts = sigs[0].split('.');
  if (parts.length !== 3) throw new BundleSignatureError('bad_signature_file', 'bundle signature is not a compact JWT');
  const [h, p, s] = parts as [string, string, string];
  const header = parseJsonPart(h, 'header');
  if (header.alg !== 'EdDSA') {
    throw new BundleSignatureError('bad_signature_file', `bundle signature algorithm '${String(header.alg)}' is not EdDSA`);
  }
  const kid = typeof header.kid === 'string' ? header.kid : '';
  if (kid !== pinnedId) {
    throw new BundleSignatureError('wrong_key', `bundle is signed with key '${kid || '(none)'}', not the pinned key '${pinnedId}'`);
  }
  if (!verify(null, Buffer.from(`${h}.${p}`), pinned, Buffer.from(s, 'base64url'))) {
    throw new BundleSignatureError('bad_signature', 'bundle signature does not verify against the pinned key (forged or altered signature)');
  }
  const payload = parsePayload(parseJsonPart(p, 'payload'));

  const signed = new Map(payload.files.map((f) => [f.name, f.hash]));
  const out: BundleFiles = new Map();
  for (const [name, bytes] of files) {
    if (name === SIGNATURES_FILE) continue;
    const want = signed.get(name);
    if (want === undefined) throw new BundleSignatureError('unexpected_file', `bundle file '${name}' is not covered by the signature`);
    if (hashBundleFile(name, bytes) !== want) throw new BundleSignatureError('tampered', `bundle file '${name}' does not match its signed hash`);
    out.set(name, bytes);
  }
  for (const name of signed.keys()) {
    if (!files.has(name)) throw new BundleSignatureError('missing_file', `signed bundle file '${name}' is missing`);
  }
  return { files: out, signature: payload };
}

/** Signs an unsigned bundle tar.gz (e.g. the compiler's output) and returns the signed tar.gz. */
export async function signBundleArchive(archive: Buffer, key: SigningKey, opts: SignOptions = {}): Promise<Buffer> {
  const files = await unpackBundle(archive);
  files.delete(SIGNATURES_FILE);
  return packBundle(signBundle(files, key, opts));
}

/** Unpacks a downloaded tar.gz and verifies it; every failure is a BundleSignatureError. */
export async function openSignedBundle(archive: Buffer, pinnedPublicKeyPem: string, limits?: ArchiveLimits): Promise<VerifiedBundle> {
  let files: BundleFiles;
  try {
    files = await unpackBundle(archive, limits);
  } catch (e) {
    if (e instanceof BundleArchiveError) throw new BundleSignatureError('corrupt_archive', e.message);
    throw e;
  }
  return verifyBundle(files, pinnedPublicKeyPem);
}
