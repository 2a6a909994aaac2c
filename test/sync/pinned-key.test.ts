// The pinned key's own file (issue 10, item 3): an agent of an earlier release kept the key inside
// credential.json — it is moved out at start and the stored bundle still verifies; the pin is never
// replaced on the agent's own (not by --bundle-key pointing elsewhere, not by pinFirstKey).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncAgent, type AgentPipeline } from '../../agent/src/sync/sync-agent.ts';
import { pinFirstKey } from '../../agent/src/sync/pinned-key.ts';
import { packBundle } from '../../wire/src/bundle-archive.ts';
import { generateSigningKey, signBundle } from '../../wire/src/bundle-signing.ts';
import { withOrder } from '../../wire/src/bundle-order.ts';
import { agentConfig, tempDir } from './helpers.ts';
import { EMPTY_WASM } from '../support/transport-bundle.ts';

const files = new Map([
  ['.manifest', Buffer.from(JSON.stringify({ revision: 'r-legacy', roots: [''] }))],
  ['policy.wasm', EMPTY_WASM],
  ['data.json', Buffer.from(JSON.stringify({ rules: [] }))],
]);
const idle: AgentPipeline = { scan: () => Promise.reject(new Error('not used')), decideAndEnforce: () => Promise.reject(new Error('not used')) };

test('an older agent\'s key inside credential.json moves to bundle-key.json; the pin is never replaced by a config edit', async () => {
  const t = tempDir('pin');
  try {
    const key = generateSigningKey();
    const other = generateSigningKey();
    const server = 'http://127.0.0.1:9';
    // the layout an earlier release left: key inside the credential, a last good bundle beside it
    writeFileSync(join(t.dir, 'credential.json'), JSON.stringify({ server, device_id: 'dev-1', credential: 'cred-1', enrolled_at: '2026-01-01T00:00:00Z', bundle_public_key: key.publicKeyPem }));
    writeFileSync(join(t.dir, 'bundle.tar.gz'), packBundle(signBundle(withOrder(files, { seq: 8, nextKey: null }), key)));
    writeFileSync(join(t.dir, 'bundle.json'), JSON.stringify({ etag: '"e"' }));
    const logs: string[] = [];
    // started with another key configured and no enroll secret
    const { enroll_secret: _s, ...cfg } = agentConfig({ url: server, enrollSecret: 'x' }, t.dir, { bundle_public_key: other.publicKeyPem });
    const agent = new SyncAgent(cfg, idle, (_l, msg) => void logs.push(msg));
    const b = await agent.prepare();
    assert.equal(b?.revision, 'r-legacy');
    assert.equal(b?.seq, 8);
    const pin = JSON.parse(readFileSync(join(t.dir, 'bundle-key.json'), 'utf8')) as { key_id: string; source: string; public_key: string };
    assert.equal(pin.key_id, key.keyId);
    assert.equal(pin.source, 'migrated');
    const cred = JSON.parse(readFileSync(join(t.dir, 'credential.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(cred.bundle_public_key, undefined, 'the credential no longer carries the key');
    assert.equal(cred.credential, 'cred-1');
    assert.equal(agent.deviceId, 'dev-1');
    assert.ok(logs.includes('the configured bundle key differs from the pinned key; keeping the pinned key'));
    assert.equal(agent.pinnedKey()?.key_id, key.keyId);
    assert.throws(() => pinFirstKey(t.dir, other.publicKeyPem, 'config'), /already pinned .*refusing to pin/);
    assert.equal((JSON.parse(readFileSync(join(t.dir, 'bundle-key.json'), 'utf8')) as { key_id: string }).key_id, key.keyId);
    await agent.stop();
  } finally {
    t.cleanup();
  }
});
