// Secrets at rest are scrypt hashes (node:crypto); what we hand out is `<prefix>.<id>.<secret>` so
// a credential is found by id and then verified, never looked up by its secret.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (pw: string | Buffer, salt: Buffer, len: number, o: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(pw, salt, len, o, (err, key) => (err ? reject(err) : resolve(key))));

// Passwords are chosen by people: full scrypt cost. Credentials we mint carry 256 random bits, which
// no cost factor can make weaker or stronger (brute force is 2^256 either way), so they are stored as
// a salted SHA-256: verifying one is microseconds, which is what a fleet's check-ins need.
const PASSWORD = { N: 16384, r: 8, p: 1 } as const;
const KEYLEN = 32;
const MAX_N = 1 << 17;

const sha256 = (salt: Buffer, secret: string): Buffer => createHash('sha256').update(salt).update(secret).digest();

export async function hashSecret(secret: string, strength: 'password' | 'random' = 'password'): Promise<string> {
  const salt = randomBytes(16);
  if (strength === 'random') return `sha256$${salt.toString('base64url')}$${sha256(salt, secret).toString('base64url')}`;
  const p = PASSWORD;
  const key = await scrypt(secret, salt, KEYLEN, { ...p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${p.N}$${p.r}$${p.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length === 3 && parts[0] === 'sha256') {
    const want = Buffer.from(parts[2] ?? '', 'base64url');
    return want.length === 32 && timingSafeEqual(sha256(Buffer.from(parts[1] ?? '', 'base64url'), secret), want);
  }
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const want = Buffer.from(parts[5] ?? '', 'base64url');
  if (!Number.isInteger(N) || N > MAX_N || !Number.isInteger(r) || r > 16 || !Number.isInteger(p) || p > 4 || want.length !== KEYLEN) return false;
  const got = await scrypt(secret, salt, KEYLEN, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return timingSafeEqual(got, want);
}

export type CredentialKind = 'device' | 'api' | 'enroll';
const PREFIX: Record<CredentialKind, string> = { device: 'wdd', api: 'wda', enroll: 'wde' };

export function newId(): string {
  return randomBytes(12).toString('hex');
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Makes a credential string and the parts to store. */
export function mintCredential(kind: CredentialKind): { id: string; secret: string; token: string } {
  const id = newId();
  const secret = newSecret();
  return { id, secret, token: `${PREFIX[kind]}.${id}.${secret}` };
}

/** Splits a presented credential; null when it is not of this kind's shape. */
export function parseCredential(kind: CredentialKind, token: string): { id: string; secret: string } | null {
  const m = /^([a-z]{3})\.([0-9a-f]{24})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m || m[1] !== PREFIX[kind]) return null;
  return { id: m[2] as string, secret: m[3] as string };
}

export function credentialKind(token: string): CredentialKind | null {
  if (token.startsWith('wdd.')) return 'device';
  if (token.startsWith('wda.')) return 'api';
  if (token.startsWith('wde.')) return 'enroll';
  return null;
}
