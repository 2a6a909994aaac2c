// The bundle key the agent trusts, kept in its own file (<state>/bundle-key.json, 0600), apart from the
// device credential: a credential can be refused, revoked or replaced, the pinned key cannot be lost
// with it. The agent never deletes this file and never replaces the key on its own. The key changes
// only through a bundle verified against the pinned key whose signed manifest names the next key
// (wire/src/bundle-order.ts); the keys pinned before stay listed, only so that the stored bundle that
// made the switch can be verified again at start.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { keyIdOf } from '../../../wire/src/bundle-signing.ts';
import { validate } from '../../../wire/src/validate.ts';
import { readJsonFile, writeFileAtomic } from './state-files.ts';

const Pem = Type.String({ pattern: '^-----BEGIN PUBLIC KEY-----', maxLength: 1000 });

export const PinnedKeyFile = Type.Object(
  {
    schema: Type.Literal('warden.pinned-key/v1'),
    public_key: Pem,
    key_id: Type.String(),
    pinned_at: Type.String(),
    /** config: --bundle-key; enrollment: first enrollment with nothing pinned; rotation: a signed next_key; migrated: from an older agent's credential.json. */
    source: Type.Union([Type.Literal('config'), Type.Literal('enrollment'), Type.Literal('rotation'), Type.Literal('migrated')]),
    previous: Type.Array(Type.Object({ public_key: Pem, key_id: Type.String(), until: Type.String() }, { additionalProperties: false }), { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type PinnedKey = Static<typeof PinnedKeyFile>;

export const pinnedKeyPath = (stateDir: string): string => join(stateDir, 'bundle-key.json');

function ed25519Id(pem: string): string {
  const k = createPublicKey(pem);
  if (k.asymmetricKeyType !== 'ed25519') throw new Error('not an ed25519 public key');
  return keyIdOf(k);
}

function write(stateDir: string, p: PinnedKey): PinnedKey {
  writeFileAtomic(pinnedKeyPath(stateDir), `${JSON.stringify(p, null, 2)}\n`, 0o600);
  return p;
}

/**
 * The pinned key, or null when nothing is pinned. An agent of an earlier release kept the key inside
 * credential.json: it is moved here (and only then dropped from the credential, by the caller).
 */
export function loadPinnedKey(stateDir: string): PinnedKey | null {
  const path = pinnedKeyPath(stateDir);
  if (existsSync(path)) {
    const p = validate(PinnedKeyFile, readJsonFile(path), `pinned bundle key ${path}`);
    if (ed25519Id(p.public_key) !== p.key_id) throw new Error(`pinned bundle key ${path}: key_id does not match the key`);
    return p;
  }
  const legacy = readJsonFile(join(stateDir, 'credential.json')) as { bundle_public_key?: unknown } | undefined;
  if (legacy && typeof legacy.bundle_public_key === 'string') return pinFirstKey(stateDir, legacy.bundle_public_key, 'migrated');
  return null;
}

/** Pins a key when nothing is pinned yet; refuses to replace a pinned key. */
export function pinFirstKey(stateDir: string, pem: string, source: 'config' | 'enrollment' | 'migrated'): PinnedKey {
  const id = ed25519Id(pem);
  if (existsSync(pinnedKeyPath(stateDir))) {
    const cur = loadPinnedKey(stateDir) as PinnedKey;
    if (cur.key_id !== id) throw new Error(`a bundle key is already pinned (${cur.key_id}); refusing to pin ${id}`);
    return cur;
  }
  return write(stateDir, { schema: 'warden.pinned-key/v1', public_key: pem, key_id: id, pinned_at: new Date().toISOString(), source, previous: [] });
}

/**
 * Switches the pin to `nextPem`. Only for a `next_key` read from a bundle that verified against `current`
 * (bundle-cache.ts checks that before calling).
 */
export function rotatePinnedKey(stateDir: string, current: PinnedKey, nextPem: string): PinnedKey {
  const now = new Date().toISOString();
  const previous = [...current.previous, { public_key: current.public_key, key_id: current.key_id, until: now }].slice(-50);
  return write(stateDir, { schema: 'warden.pinned-key/v1', public_key: nextPem, key_id: ed25519Id(nextPem), pinned_at: now, source: 'rotation', previous });
}
