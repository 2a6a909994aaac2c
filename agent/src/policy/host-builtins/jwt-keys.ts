// Keys for the io.jwt builtins: verification keys from a PEM certificate, a PEM public key, a JWK
// or a JWK set (OPA's getKeysFromCertOrJWK), signing keys from a JWK; signing and verifying with
// node:crypto per JWS algorithm (RFC 7518).
import {
  constants, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, X509Certificate, type KeyObject,
} from 'node:crypto';
import { BuiltinError } from './types.ts';

/** A verification key: a public key (or an HMAC secret) with the JWK's kid and alg if it had them. */
export interface VerificationKey {
  key: KeyObject | Buffer;
  kid?: string;
  alg?: string;
}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n-----END \1-----\r?\n?/;

/** The first PEM block of text and what follows it, or null when text does not start with one. */
export function pemBlock(text: string): { type: string; der: Buffer; rest: string } | null {
  const m = PEM.exec(text.replace(/^\s+/, ''));
  if (!m) return null;
  const body = m[2]!.split(/\r?\n/).filter((l) => !/^[A-Za-z-]+:/.test(l)).join('');
  return { type: m[1]!, der: Buffer.from(body, 'base64'), rest: text.replace(/^\s+/, '').slice(m[0].length) };
}

function fromJwk(jwk: Record<string, unknown>): VerificationKey {
  const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
  const alg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new BuiltinError('failed to parse a JWK key (set): oct key has no "k"');
    return { key: Buffer.from(jwk.k, 'base64url'), kid, alg };
  }
  try {
    // A private JWK verifies as its public half.
    const pub = { ...jwk };
    for (const f of ['d', 'p', 'q', 'dp', 'dq', 'qi']) delete pub[f];
    return { key: createPublicKey({ key: pub as never, format: 'jwk' }), kid, alg };
  } catch (e) {
    throw new BuiltinError(`failed to parse a JWK key (set): ${(e as Error).message}`);
  }
}

/** Verification keys from a certificate, public key, JWK or JWK set (OPA's accepted forms). */
export function verificationKeys(text: string): VerificationKey[] {
  const block = pemBlock(text);
  if (block) {
    if (block.rest.trim() !== '') throw new BuiltinError('extra data after a PEM certificate block');
    if (block.type === 'CERTIFICATE') {
      try {
        return [{ key: new X509Certificate(block.der).publicKey }];
      } catch (e) {
        throw new BuiltinError(`failed to parse a PEM certificate: ${(e as Error).message}`);
      }
    }
    if (block.type === 'PUBLIC KEY') {
      try {
        return [{ key: createPublicKey({ key: block.der, format: 'der', type: 'spki' }) }];
      } catch (e) {
        throw new BuiltinError(`failed to parse a PEM public key: ${(e as Error).message}`);
      }
    }
    throw new BuiltinError('failed to extract a Key from the PEM certificate');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the input, which may be a key.
    throw new BuiltinError('failed to parse a JWK key (set): not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BuiltinError('failed to parse a JWK key (set): not a JSON object');
  const o = parsed as Record<string, unknown>;
  if (Array.isArray(o.keys)) return o.keys.map((k) => fromJwk((k ?? {}) as Record<string, unknown>));
  return [fromJwk(o)];
}

/** The signing key of a JWK (OPA's encode_sign takes the first key of a set too). */
export function signingKey(jwkText: string): { key: KeyObject | Buffer; kty: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwkText);
  } catch {
    // Not the parser's message: it quotes the input, a private key.
    throw new BuiltinError('failed to parse JWK: not valid JSON');
  }
  let jwk = parsed as Record<string, unknown> | null;
  if (jwk && Array.isArray(jwk.keys)) jwk = (jwk.keys[0] ?? null) as Record<string, unknown> | null;
  if (!jwk || typeof jwk !== 'object' || typeof jwk.kty !== 'string') throw new BuiltinError('failed to parse JWK: missing "kty"');
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new BuiltinError('failed to parse JWK: oct key has no "k"');
    return { key: Buffer.from(jwk.k, 'base64url'), kty: 'oct' };
  }
  try {
    return { key: createPrivateKey({ key: jwk as never, format: 'jwk' }), kty: jwk.kty };
  } catch (e) {
    throw new BuiltinError(`failed to materialize JWK: ${(e as Error).message}`);
  }
}

interface Alg {
  hash: string | null;
  kind: 'hmac' | 'rsa' | 'pss' | 'ec' | 'eddsa';
}

export const ALGORITHMS: Record<string, Alg> = {
  HS256: { hash: 'sha256', kind: 'hmac' }, HS384: { hash: 'sha384', kind: 'hmac' }, HS512: { hash: 'sha512', kind: 'hmac' },
  RS256: { hash: 'sha256', kind: 'rsa' }, RS384: { hash: 'sha384', kind: 'rsa' }, RS512: { hash: 'sha512', kind: 'rsa' },
  PS256: { hash: 'sha256', kind: 'pss' }, PS384: { hash: 'sha384', kind: 'pss' }, PS512: { hash: 'sha512', kind: 'pss' },
  ES256: { hash: 'sha256', kind: 'ec' }, ES384: { hash: 'sha384', kind: 'ec' }, ES512: { hash: 'sha512', kind: 'ec' },
  EdDSA: { hash: null, kind: 'eddsa' },
};

const EC_CURVE: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

function keyFits(alg: string, a: Alg, key: KeyObject | Buffer): key is KeyObject {
  if (Buffer.isBuffer(key)) return false;
  const t = key.asymmetricKeyType;
  if (a.kind === 'rsa' || a.kind === 'pss') return t === 'rsa' || t === 'rsa-pss';
  if (a.kind === 'ec') return t === 'ec' && key.asymmetricKeyDetails?.namedCurve === EC_CURVE[alg];
  return t === 'ed25519';
}

/** Whether signature is alg's signature of data under key; false for a key that does not fit alg. */
export function verifySignature(alg: string, key: KeyObject | Buffer, data: Buffer, signature: Buffer): boolean {
  const a = ALGORITHMS[alg];
  if (!a) return false;
  if (a.kind === 'hmac') {
    if (!Buffer.isBuffer(key)) return false;
    const mac = createHmac(a.hash!, key).update(data).digest();
    return mac.length === signature.length && timingSafeEqual(mac, signature);
  }
  if (!keyFits(alg, a, key)) return false;
  try {
    if (a.kind === 'rsa') return verify(a.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    if (a.kind === 'pss') return verify(a.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
    if (a.kind === 'ec') return verify(a.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** alg's signature of data with a signing key. */
export function signData(alg: string, key: KeyObject | Buffer, data: Buffer): Buffer {
  const a = ALGORITHMS[alg];
  if (!a) throw new BuiltinError(`unknown JWS algorithm: ${alg}`);
  if (a.kind === 'hmac') {
    if (!Buffer.isBuffer(key)) throw new BuiltinError(`${alg} needs a symmetric ("oct") key`);
    return createHmac(a.hash!, key).update(data).digest();
  }
  if (Buffer.isBuffer(key) || key.type !== 'private' || !keyFits(alg, a, key)) throw new BuiltinError(`the JWK is not a private key for ${alg}`);
  if (a.kind === 'rsa') return sign(a.hash, data, { key, padding: constants.RSA_PKCS1_PADDING });
  if (a.kind === 'pss') return sign(a.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  if (a.kind === 'ec') return sign(a.hash, data, { key, dsaEncoding: 'ieee-p1363' });
  return sign(null, data, key);
}
