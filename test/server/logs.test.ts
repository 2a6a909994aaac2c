// Nothing secret reaches the logs: run a logging server through enrollment, login, token creation
// and check-ins (including refused and failing requests), then search every log line for the
// secrets that were sent or issued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { enroll, event, http, sqliteKind, startFleet } from './helpers.ts';

test('no secret, password, token or credential appears in the server log', async () => {
  let log = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      log += chunk.toString();
      cb();
    },
  });
  const f = await startFleet(sqliteKind, { logger: { level: 'trace', stream } });
  try {
    const secrets: string[] = [f.enrollSecret, f.tokens.admin, f.tokens.auditor];
    const dev = await enroll(f.url, f.enrollSecret, 'log-host');
    secrets.push(dev.credential);
    await http(f.url, 'POST', '/api/v1/enroll', { body: { enroll_secret: 'a-wrong-secret-value', hardware_id: 'hw-log-00001', hostname: 'h', platform: 'linux', agent_version: '1' } });
    secrets.push('a-wrong-secret-value');
    const password = 'very secret password 42';
    await http(f.url, 'POST', '/api/v1/users', { token: f.tokens.admin, body: { username: 'logger', role: 'auditor', password } });
    const login = await http(f.url, 'POST', '/api/v1/auth/login', { body: { username: 'logger', password } });
    await http(f.url, 'POST', '/api/v1/auth/login', { body: { username: 'logger', password: 'wrong but secret 99' } });
    secrets.push(password, 'wrong but secret 99', (login.body as { token: string }).token);
    const t = await http(f.url, 'POST', '/api/v1/tokens', { token: f.tokens.admin, body: { name: 'x' } });
    const et = await http(f.url, 'POST', '/api/v1/enroll-tokens', { token: f.tokens.admin, body: { note: 'x' } });
    const rot = await http(f.url, 'POST', '/api/v1/enroll-secret', { token: f.tokens.admin });
    secrets.push((t.body as { token: string }).token, (et.body as { token: string }).token, (rot.body as { enroll_secret: string }).enroll_secret);
    await http(f.url, 'POST', '/api/v1/agent/events', { token: dev.credential, body: { batch_id: 'l1', events: [event('claude-code')] } });
    await http(f.url, 'POST', '/api/v1/agent/events', { token: `${dev.credential}x`, body: { batch_id: 'l2', events: [] } });
    await http(f.url, 'GET', '/api/v1/devices', { token: f.tokens.admin });
    await f.app.close();
    assert.ok(log.split('\n').length > 20, 'the server did log requests');
    assert.match(log, /"url":"\/api\/v1\/auth\/login"/);
    for (const s of secrets) {
      assert.ok(!log.includes(s), `log contains a secret (${s.slice(0, 8)}…)`);
      // Credentials are <prefix>.<id>.<secret>: the secret part alone must not leak either.
      const tail = s.split('.').pop()!;
      if (tail.length >= 20) assert.ok(!log.includes(tail), `log contains a secret part (${tail.slice(0, 6)}…)`);
    }
  } finally {
    await f.close().catch(() => undefined);
  }
});
