// `warden-agent run` as a real process (bin/warden-agent.js) against a real server on loopback:
// enrolls, applies the compiled + signed policy, reports; logs JSON lines without the secret; SIGTERM
// stops it cleanly. Bad flags fail fast with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilerBundle } from '../../server/src/bundle-compile.ts';
import { createDemoRoot } from '../../agent/src/demo-root.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import { applyBanList, eventually, startServer, tempDir } from './helpers.ts';

test('warden-agent run: bad flags are refused with a clear message', () => {
  const r = spawnSync(process.execPath, ['bin/warden-agent.js', 'run', '--server', 'ftp://nope'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /invalid agent configuration: \/server/);
  const r2 = spawnSync(process.execPath, ['bin/warden-agent.js', 'run', '--bogus'], { encoding: 'utf8' });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /Unknown option '--bogus'/);
});

test('warden-agent run: enrolls, enforces the signed policy on its root, reports, stops on SIGTERM', { timeout: 180_000 }, async () => {
  const t = tempDir('run-cmd');
  const server = await startServer({ dataDir: join(t.dir, 'server'), compile: compilerBundle() });
  try {
    await applyBanList(server, JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList);
    const bundle = await eventually(async () => server.dist.bundles.current()?.revision.startsWith('1.') && server.dist.bundles.current(), 'compiled bundle', 120_000);
    const root = join(t.dir, 'root');
    mkdirSync(root);
    createDemoRoot(root, 'linux');
    const child = spawn(
      process.execPath,
      ['bin/warden-agent.js', 'run', '--server', server.url, '--state', join(t.dir, 'state'), '--root', root, '--os', 'linux', '--cron', '0 0 1 1 *'],
      { env: { ...process.env, WARDEN_ENROLL_SECRET: server.enrollSecret }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let logs = '';
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

    const device = await eventually(async () => {
      const devices = await server.store.listDevices();
      const d = devices[0];
      return d && d.bundleRevision === bundle.revision ? d : null;
    }, 'the agent reports the applied revision', 120_000);
    const events = await eventually(async () => {
      const e = await server.store.queryEvents({ deviceId: device.id, kind: 'quarantine' });
      return e.length > 0 ? e : null;
    }, 'quarantine events uploaded', 60_000);
    assert.ok(events.every((e) => e.toolId === 'claude-code'));

    child.kill('SIGTERM');
    assert.equal(await exited, 0, `clean exit; logs:\n${logs}`);
    const lines = logs.trim().split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length > 0);
    for (const l of lines) JSON.parse(l); // structured JSON logs
    assert.ok(lines.some((l) => /"msg":"enrolled"/.test(l)));
    assert.ok(!logs.includes(server.enrollSecret), 'the enroll secret never appears in logs');
  } finally {
    await server.close();
    t.cleanup();
  }
});
