// Bundle key rotation (issue 10, item 3): the admin rotates with `warden server rotate-key`; the
// restarted server signs each bundle with the new key and a bridge copy with the old key naming the
// new one. An agent pinning the old key takes the bridge (signed by what it pins), switches its pin,
// then accepts the new key's bundles; a crash between storing the bridge and switching the pin is
// completed at the next start. A rotation not signed by the pinned key is refused
// (test/sync/network-impostor.test.ts, step 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncAgent, type AgentPipeline } from '../../agent/src/sync/sync-agent.ts';
import type { ActiveBundle } from '../../agent/src/sync/bundle-cache.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { PREVIOUS_KEY_FILE, keyIdOf, loadSigningKeys } from '../../wire/src/bundle-signing.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import { agentConfig, applyBanList, startServer, tempDir, transportCompile, type TestServer } from './helpers.ts';

const banClaude = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;

function pipeline(root: string): AgentPipeline & { applied: { revision: string; seq: number; key: string }[] } {
  const applied: { revision: string; seq: number; key: string }[] = [];
  return {
    applied,
    scan: () => scanInventory({ root, os: 'linux', processes: false, liveHost: false }),
    async decideAndEnforce(bundle: ActiveBundle) {
      applied.push({ revision: bundle.revision, seq: bundle.seq, key: keyIdOf(bundle.keyPem) });
      return { decisions: [], events: [] };
    },
  };
}

const rotateCli = (dataDir: string, ...flags: string[]) => spawnSync(process.execPath, ['bin/warden.js', 'server', 'rotate-key', '--data', dataDir, ...flags], { encoding: 'utf8', timeout: 60_000 });

test('key rotation: rotate-key → bridge bundle signed by the old key names the new one → the agent switches; crash mid-switch completes at start', { timeout: 120_000 }, async () => {
  const t = tempDir('rotation');
  const dataDir = join(t.dir, 'server');
  const root = join(t.dir, 'root');
  const state = join(t.dir, 'state');
  mkdirSync(root);
  mkdirSync(dataDir);
  let server: TestServer | null = await startServer({ dataDir, compile: transportCompile });
  const agents: SyncAgent[] = [];
  try {
    const port = server.port;
    const cfg = agentConfig(server, state, { push: false });
    const p = pipeline(root);
    const agent = new SyncAgent(cfg, p, () => undefined);
    agents.push(agent);
    await applyBanList(server, banClaude);
    assert.equal((await agent.trigger('enroll')).error, null);
    const k1 = keyIdOf(server.dist.bundles.publicKeyPem);
    assert.equal(agent.pinnedKey()?.key_id, k1);
    const seqBefore = agent.activeBundle()?.seq ?? 0;
    await server.close();
    server = null;

    // the admin rotates (a real process); a second rotation while one is in progress is refused
    const r = rotateCli(dataDir);
    assert.equal(r.status, 0, r.stderr);
    const keys = loadSigningKeys(dataDir);
    const k2 = keys.current.keyId;
    assert.equal(keys.previous?.keyId, k1);
    assert.match(r.stdout, new RegExp(`rotated: ${k1} → ${k2}`));
    const again = rotateCli(dataDir);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /a rotation is in progress/);

    server = await startServer({ dataDir, compile: transportCompile, port, enrollSecret: cfg.enroll_secret as string });
    const served = server.dist.bundles.current();
    assert.equal(served?.keyId, k2, 'the restarted server re-signed with the new key');
    assert.equal(served?.bridge?.keyId, k1, 'and keeps a bridge copy signed by the old key');

    // the bridge: signed by K1 (what the agent pins), names K2 → the pin switches
    // (its first request meets the pooled connection the stopped server closed: the client sends it again)
    const bridged = await agent.trigger('bridge');
    assert.equal(bridged.error, null, bridged.error ?? '');
    assert.equal(agent.pinnedKey()?.key_id, k2);
    assert.deepEqual(agent.pinnedKey()?.previous.map((x) => x.key_id), [k1]);
    const bridge = p.applied.at(-1);
    assert.equal(bridge?.key, k1);
    assert.equal(bridge?.seq, 2 * (served?.seq ?? 0) - 1);
    assert.ok((bridge?.seq ?? 0) > seqBefore);
    // a crash right after the bridge was stored, before the pin switched: kept for the check below
    const crashed = join(t.dir, 'crashed');
    mkdirSync(crashed);
    for (const f of ['bundle.tar.gz', 'bundle.json', 'credential.json', 'hardware-id']) copyFileSync(join(state, f), join(crashed, f));
    const pinBefore = JSON.parse(readFileSync(join(state, 'bundle-key.json'), 'utf8')) as { previous: { public_key: string; key_id: string }[] };
    const oldPin = { schema: 'warden.pinned-key/v1', public_key: pinBefore.previous[0]?.public_key, key_id: k1, pinned_at: new Date().toISOString(), source: 'enrollment', previous: [] };
    writeFileSync(join(crashed, 'bundle-key.json'), JSON.stringify(oldPin));

    // next cycle: the new key's copy (one higher) is accepted under the new pin
    const next = await agent.trigger('after-bridge');
    assert.equal(next.error, null);
    assert.equal(p.applied.at(-1)?.key, k2);
    assert.equal(p.applied.at(-1)?.seq, 2 * (served?.seq ?? 0));
    // a ban change after the rotation reaches the agent as usual
    await applyBanList(server, { ...banClaude, rules: banClaude.rules.slice(0, 1) });
    const after = await agent.trigger('ban-change');
    assert.equal(after.bundle?.changed, true);
    assert.equal(p.applied.at(-1)?.key, k2);

    // a restarted agent (no secret) loads its last good bundle under the new pin
    const { enroll_secret: _s, ...noSecret } = cfg;
    const restarted = new SyncAgent(noSecret, pipeline(root), () => undefined);
    agents.push(restarted);
    assert.equal((await restarted.prepare())?.seq, agent.activeBundle()?.seq);
    // the crashed state dir: the stored bridge verifies under the old pin and completes the switch
    const recovering = new SyncAgent({ ...noSecret, state_dir: crashed }, pipeline(root), () => undefined);
    agents.push(recovering);
    assert.equal((await recovering.prepare())?.seq, bridge?.seq);
    assert.equal(recovering.pinnedKey()?.key_id, k2);

    // finishing the rotation: only the new key remains
    const fin = rotateCli(dataDir, '--finish');
    assert.equal(fin.status, 0, fin.stderr);
    assert.ok(!existsSync(join(dataDir, PREVIOUS_KEY_FILE)));
  } finally {
    for (const a of agents) await a.stop();
    await server?.close();
    t.cleanup();
  }
});
