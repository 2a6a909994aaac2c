// The agent's identity and its device credential. The hardware id is generated once per state folder
// (stable across re-enrollment, so the server sees the same machine); the credential the server
// issued at enrollment is kept owner-only (0600) and is the only secret the agent holds. The pinned
// bundle key is NOT here (pinned-key.ts): a refused credential never takes the key with it, and the
// agent never deletes its credential either — a new one only replaces it after a sealed re-enrollment
// with a server that proved the pinned key.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { validate } from '../../../wire/src/validate.ts';
import { readJsonFile, writeFileAtomic } from './state-files.ts';

export const StoredCredential = Type.Object(
  {
    server: Type.String(),
    device_id: Type.String({ minLength: 1 }),
    credential: Type.String({ minLength: 1 }),
    enrolled_at: Type.String(),
  },
  { additionalProperties: false },
);
export type StoredCredential = typeof StoredCredential.static;

/** What agents of earlier releases stored: the pinned key inside the credential (migrated out at load). */
const LegacyCredential = Type.Object({ ...StoredCredential.properties, bundle_public_key: Type.Optional(Type.String()) }, { additionalProperties: false });

export function hardwareId(stateDir: string): string {
  const p = join(stateDir, 'hardware-id');
  if (existsSync(p)) {
    const id = readFileSync(p, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
  }
  const id = randomUUID();
  writeFileAtomic(p, `${id}\n`, 0o600);
  return id;
}

const credentialPath = (stateDir: string): string => join(stateDir, 'credential.json');

/**
 * The stored credential for `server`, or null. Call after loadPinnedKey (which moves a legacy key out
 * of the credential file first); a legacy file is rewritten without the key here.
 */
export function loadCredential(stateDir: string, server: string): StoredCredential | null {
  const raw = readJsonFile(credentialPath(stateDir));
  if (raw === undefined) return null;
  const { bundle_public_key: legacyKey, ...c } = validate(LegacyCredential, raw, `agent credential ${credentialPath(stateDir)}`);
  if (legacyKey !== undefined && existsSync(join(stateDir, 'bundle-key.json'))) saveCredential(stateDir, c);
  // A credential belongs to the server that issued it; pointing the agent elsewhere means re-enrolling.
  return c.server === server ? c : null;
}

export function saveCredential(stateDir: string, c: StoredCredential): void {
  writeFileAtomic(credentialPath(stateDir), JSON.stringify(c, null, 2), 0o600);
}
