// A device's group memberships as the server sends them: which device groups this device is in and,
// for the OS accounts the device reported, which user groups each person is in. They decide which
// rules match (policy input device.groups / users[u].groups), so the agent trusts them only as far as
// it trusts the bundle: the server signs them with the bundle key (ed25519) and binds each answer to
// the device (its id) and to the request (a nonce the agent chose), so neither another device's answer
// nor an old answer replayed by whoever stands at the server's address is accepted.
//
// Envelope: { keyid, payload: base64url(canonical JSON of the document), signature: base64url(ed25519
// over "warden.memberships/v1\n" + payload) }. The context prefix keeps these signatures apart from
// bundle signatures made with the same key.
import { createPublicKey, sign, verify } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { canonicalJson, keyIdOf, type SigningKey } from './bundle-signing.ts';
import { check } from './validate.ts';

export const MEMBERSHIPS_SCHEMA = 'warden.memberships/v1';
const CONTEXT = `${MEMBERSHIPS_SCHEMA}\n`;

const GroupNames = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 });

export const MembershipDocument = Type.Object(
  {
    schema: Type.Literal(MEMBERSHIPS_SCHEMA),
    device_id: Type.String({ minLength: 1, maxLength: 200 }),
    nonce: Type.String({ minLength: 16, maxLength: 64 }),
    issued_at: Type.String({ format: 'date-time' }),
    /** The device groups this device is in (those the fleet policy names). */
    device_groups: GroupNames,
    /** OS login as the device reported it → the user groups of the person behind it. */
    users: Type.Record(Type.String({ minLength: 1, maxLength: 256 }), GroupNames),
  },
  { additionalProperties: false },
);
export type MembershipDocument = Static<typeof MembershipDocument>;

export const SignedMemberships = Type.Object(
  { keyid: Type.String({ maxLength: 100 }), payload: Type.String({ maxLength: 4 * 1024 * 1024 }), signature: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);
export type SignedMemberships = Static<typeof SignedMemberships>;

/** What the agent asks: the OS accounts it found, and a fresh nonce the answer must carry. */
export const MembershipRequest = Type.Object(
  {
    nonce: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    users: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 500, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type MembershipRequest = Static<typeof MembershipRequest>;

export class MembershipError extends Error {
  constructor(
    readonly problem: 'malformed' | 'wrong_key' | 'bad_signature' | 'wrong_device' | 'wrong_nonce',
    message: string,
  ) {
    super(message);
    this.name = 'MembershipError';
  }
}

export function signMemberships(doc: MembershipDocument, key: SigningKey): SignedMemberships {
  const payload = Buffer.from(canonicalJson(doc)).toString('base64url');
  const signature = sign(null, Buffer.from(CONTEXT + payload), key.privateKey).toString('base64url');
  return { keyid: key.keyId, payload, signature };
}

/**
 * Verifies an answer against the pinned key and checks it is this device's (and, when given, the
 * answer to this request's nonce). Throws a MembershipError naming the problem.
 */
export function verifyMemberships(envelope: unknown, pinnedPublicKeyPem: string, expect: { deviceId: string; nonce?: string }): MembershipDocument {
  if (check(SignedMemberships, envelope).length > 0) throw new MembershipError('malformed', 'the memberships answer is not a signed memberships envelope');
  const env = envelope as SignedMemberships;
  const pinned = createPublicKey(pinnedPublicKeyPem);
  const pinnedId = keyIdOf(pinned);
  if (env.keyid !== pinnedId) throw new MembershipError('wrong_key', `memberships are signed with key '${env.keyid}', not the pinned key '${pinnedId}'`);
  if (!verify(null, Buffer.from(CONTEXT + env.payload), pinned, Buffer.from(env.signature, 'base64url'))) {
    throw new MembershipError('bad_signature', 'memberships signature does not verify against the pinned key (forged or altered)');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(env.payload, 'base64url').toString('utf8'));
  } catch {
    throw new MembershipError('malformed', 'signed memberships payload is not JSON');
  }
  const issues = check(MembershipDocument, doc);
  if (issues.length > 0) throw new MembershipError('malformed', `signed memberships document is invalid: ${issues.slice(0, 3).join('; ')}`);
  const d = doc as MembershipDocument;
  if (d.device_id !== expect.deviceId) throw new MembershipError('wrong_device', `memberships are for device ${d.device_id}, not this device (${expect.deviceId})`);
  if (expect.nonce !== undefined && d.nonce !== expect.nonce) throw new MembershipError('wrong_nonce', 'memberships answer a different request (nonce mismatch: replayed or mixed up)');
  return d;
}
