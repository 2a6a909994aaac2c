// Enrollment that only the holder of the pinned bundle key can answer (issue 10, item 3).
//
// 1. challenge: the agent sends a fresh random nonce; the server answers with an X25519 "seal" key
//    and an ed25519 signature, by its bundle-signing key (and, during a key rotation, by the previous
//    one too), over {purpose, nonce, seal key}. The agent checks a signature against the key it has
//    PINNED (the offered key is used only for a first enrollment with nothing pinned).
// 2. sealed enroll: the agent encrypts the enroll secret and its facts to the seal key (ephemeral
//    X25519 + HKDF-SHA-256 + AES-256-GCM, the nonce bound in as AAD) and the server answers with the
//    credential encrypted under the same shared key.
// So the enroll secret never leaves the agent in a form that anyone without the bundle private key can
// read, even a relay that forwards a real server's signed challenge; and an answer not sealed by that
// key's holder fails authentication and is refused. The seal key is derived from the signing key
// (HKDF), so every server node holding the signing key derives the same one and nothing new is stored.
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { canonicalJson } from './canonical-json.ts';
import { keyIdOf, type SigningKey } from './bundle-signing.ts';

export const ENROLL_CHALLENGE_PATH = '/api/v1/enroll/challenge';
export const ENROLL_SEALED_PATH = '/api/v1/enroll/sealed';
const PURPOSE = 'warden-enroll-challenge/v1';
const HKDF_INFO = 'warden-enroll-seal/v1';
/** A sealed request older (or further in the future) than this is refused: a recorded one cannot be replayed later. */
export const SEALED_MAX_AGE_MS = 10 * 60_000;

const B64URL = '^[A-Za-z0-9_-]+$';
export const ChallengeRequest = Type.Object({ nonce: Type.String({ minLength: 43, maxLength: 86, pattern: B64URL }) }, { additionalProperties: false });
export type ChallengeRequest = Static<typeof ChallengeRequest>;

export const ChallengeReply = Type.Object(
  {
    nonce: Type.String(),
    /** The server's current bundle key (SPKI PEM): pinned only by an agent that has nothing pinned. */
    bundle_public_key: Type.String(),
    /** X25519 public key (SPKI DER, base64url) the agent seals its request to. */
    seal_key: Type.String(),
    /** One per key the server signs with (current, and the previous one during a rotation). */
    signatures: Type.Array(Type.Object({ key_id: Type.String(), signature: Type.String() }), { minItems: 1, maxItems: 4 }),
  },
  { additionalProperties: false },
);
export type ChallengeReply = Static<typeof ChallengeReply>;

export const SealedMessage = Type.Object(
  {
    nonce: Type.String({ minLength: 43, maxLength: 86, pattern: B64URL }),
    /** The agent's ephemeral X25519 public key (SPKI DER, base64url); absent in replies. */
    agent_key: Type.Optional(Type.String({ minLength: 40, maxLength: 200, pattern: B64URL })),
    iv: Type.String({ minLength: 16, maxLength: 16, pattern: B64URL }),
    /** AES-256-GCM ciphertext followed by its 16-byte tag, base64url. */
    data: Type.String({ minLength: 22, maxLength: 8192, pattern: B64URL }),
  },
  { additionalProperties: false },
);
export type SealedMessage = Static<typeof SealedMessage>;

export class EnrollSealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnrollSealError';
  }
}

const b64u = (b: Buffer): string => b.toString('base64url');
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The server's X25519 seal key, derived from the bundle-signing key (same on every node). */
export function sealKeyOf(signing: SigningKey): { privateKey: KeyObject; publicB64: string } {
  const der = signing.privateKey.export({ type: 'pkcs8', format: 'der' });
  const seed = Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), 'warden-enroll-seal-key/v1', 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicB64 = b64u(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  return { privateKey, publicB64 };
}

const challengeBytes = (nonce: string, sealKey: string): Buffer => Buffer.from(canonicalJson({ purpose: PURPOSE, nonce, seal_key: sealKey }));

/** Server: the signed answer to a challenge (signed by every key given, current first). */
export function answerChallenge(nonce: string, keys: SigningKey[]): ChallengeReply {
  const current = keys[0];
  if (!current) throw new Error('answerChallenge needs a signing key');
  const seal = sealKeyOf(current);
  const msg = challengeBytes(nonce, seal.publicB64);
  return {
    nonce,
    bundle_public_key: current.publicKeyPem,
    seal_key: seal.publicB64,
    signatures: keys.map((k) => ({ key_id: k.keyId, signature: b64u(sign(null, msg, k.privateKey)) })),
  };
}

/**
 * Agent: checks the challenge answer against the pinned key (or, with nothing pinned, the key it
 * offers). Returns the seal key to encrypt to and the key that proved it. Throws EnrollSealError.
 */
export function checkChallenge(reply: unknown, nonce: string, pinnedPem: string | null): { sealKey: KeyObject; provenKeyPem: string } {
  const r = reply as Partial<ChallengeReply> | null;
  if (!r || typeof r !== 'object' || r.nonce !== nonce || typeof r.seal_key !== 'string' || typeof r.bundle_public_key !== 'string' || !Array.isArray(r.signatures)) {
    throw new EnrollSealError('the enrollment challenge answer is malformed or not for this request');
  }
  let trustPem = pinnedPem;
  if (!trustPem) {
    try {
      if (createPublicKey(r.bundle_public_key).asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    } catch (e) {
      throw new EnrollSealError(`the server's bundle key is not a valid ed25519 public key: ${(e as Error).message}`);
    }
    trustPem = r.bundle_public_key;
  }
  const trust = createPublicKey(trustPem);
  const id = keyIdOf(trust);
  const sig = r.signatures.find((s) => s && s.key_id === id);
  const msg = challengeBytes(nonce, r.seal_key);
  if (!sig || typeof sig.signature !== 'string' || !verify(null, msg, trust, Buffer.from(sig.signature, 'base64url'))) {
    throw new EnrollSealError(`the server did not prove the pinned bundle key ${id}: refusing to send it the enroll secret`);
  }
  let sealKey: KeyObject;
  try {
    sealKey = createPublicKey({ key: Buffer.from(r.seal_key, 'base64url'), format: 'der', type: 'spki' });
    if (sealKey.asymmetricKeyType !== 'x25519') throw new Error('not x25519');
  } catch (e) {
    throw new EnrollSealError(`the server's seal key is not an X25519 key: ${(e as Error).message}`);
  }
  return { sealKey, provenKeyPem: trustPem };
}

function aesKey(shared: Buffer, nonce: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(nonce, 'base64url'), HKDF_INFO, 32));
}

function encrypt(key: Buffer, aad: string, plain: unknown): { iv: string; data: string } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(Buffer.from(JSON.stringify(plain))), c.final(), c.getAuthTag()]);
  return { iv: b64u(iv), data: b64u(ct) };
}

function decrypt(key: Buffer, aad: string, m: { iv: string; data: string }): unknown {
  const raw = Buffer.from(m.data, 'base64url');
  if (raw.length < 17) throw new EnrollSealError('sealed message is too short');
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(m.iv, 'base64url'));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    throw new EnrollSealError('sealed message does not authenticate (not sealed for this key, or altered)');
  }
}

const aadOf = (nonce: string, dir: 'request' | 'reply'): string => `${HKDF_INFO}|${dir}|${nonce}`;

/** Agent: seals `body` to the server's seal key. Keep `key` to open the reply. */
export function sealRequest(sealKey: KeyObject, nonce: string, body: Record<string, unknown>): { message: SealedMessage; key: Buffer } {
  const eph = generateKeyPairSync('x25519');
  const key = aesKey(diffieHellman({ privateKey: eph.privateKey, publicKey: sealKey }), nonce);
  const enc = encrypt(key, aadOf(nonce, 'request'), { ...body, sent_at: Date.now() });
  return { message: { nonce, agent_key: b64u(eph.publicKey.export({ type: 'spki', format: 'der' })), ...enc }, key };
}

/** Server: opens a sealed request; returns its body and the key to seal the reply with. */
export function openRequest(signing: SigningKey, m: SealedMessage, now = Date.now()): { body: Record<string, unknown>; key: Buffer } {
  let agentKey: KeyObject;
  try {
    agentKey = createPublicKey({ key: Buffer.from(m.agent_key ?? '', 'base64url'), format: 'der', type: 'spki' });
    if (agentKey.asymmetricKeyType !== 'x25519') throw new Error('not x25519');
  } catch {
    throw new EnrollSealError('agent_key is not an X25519 public key');
  }
  const key = aesKey(diffieHellman({ privateKey: sealKeyOf(signing).privateKey, publicKey: agentKey }), m.nonce);
  const body = decrypt(key, aadOf(m.nonce, 'request'), m);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new EnrollSealError('sealed request is not a JSON object');
  const { sent_at: sentAt, ...rest } = body as Record<string, unknown>;
  if (typeof sentAt !== 'number' || Math.abs(now - sentAt) > SEALED_MAX_AGE_MS) throw new EnrollSealError('sealed request is too old or from the future (replayed?)');
  return { body: rest, key };
}

export const sealReply = (key: Buffer, nonce: string, body: unknown): SealedMessage => ({ nonce, ...encrypt(key, aadOf(nonce, 'reply'), body) });

/** Agent: opens the server's sealed reply; throws EnrollSealError if anyone else made it. */
export function openReply(key: Buffer, nonce: string, reply: unknown): unknown {
  const r = reply as Partial<SealedMessage> | null;
  if (!r || r.nonce !== nonce || typeof r.iv !== 'string' || typeof r.data !== 'string') throw new EnrollSealError('the sealed enrollment answer is malformed or not for this request');
  return decrypt(key, aadOf(nonce, 'reply'), { iv: r.iv, data: r.data });
}

/** A fresh challenge nonce (256 bits). */
export const newEnrollNonce = (): string => b64u(randomBytes(32));
