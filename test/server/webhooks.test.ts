// Webhooks end to end against a real receiver on loopback (signatures checked with the Standard
// Webhooks reference library): every kind of event arrives signed and in order, a receiver that is
// down gets the backlog in order, one that keeps failing fills the dead letters (redeliverable), the
// secret rotates with a grace period, internal targets are refused unless allow-listed, and the SIEM
// stream and audit export resume from their cursor under the least-privilege 'siem' role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { STORE_KINDS, enroll, event, finding, http, inventory, pgNote, startFleet, type Fleet } from './helpers.ts';
import { Receiver, firstDeliveries } from './receiver.ts';

// Quick retries; dead-lettering only after many (the outage below must not reach it).
const FAST = { allow: ['127.0.0.1/32'], retry: { baseMs: 40, maxMs: 150, maxAttempts: 1000 }, pollMs: 100 };

async function createHook(f: Fleet, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const r = await http(f.url, 'POST', '/api/v1/webhooks', { token: f.tokens.admin, body: { why: 'SIEM feed for the SOC', ...body } });
  assert.equal(r.status, 201, r.text);
  const b = r.body as { webhook: { id: string }; secret: string };
  return { id: b.webhook.id, secret: b.secret };
}

async function upload(f: Fleet, cred: string, events: ReturnType<typeof event>[], batch: string): Promise<void> {
  const r = await http(f.url, 'POST', '/api/v1/agent/events', { token: cred, body: { batch_id: batch, events } });
  assert.equal(r.status, 200, r.text);
}

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] webhooks: every event signed and in order; backlog after an outage in order; secret rotation${pgNote}`, { timeout: 90_000 }, async () => {
    const logged: string[] = [];
    const logger = { level: 'trace', stream: new Writable({ write: (c: Buffer, _e, cb) => (logged.push(c.toString()), cb()) }) };
    const f = await startFleet(kind, { integrations: FAST, logger });
    const rx = await new Receiver().start();
    try {
      const hook = await createHook(f, { webhook: { name: 'soc', url: `${rx.url}/hook?token=path-secret`, events: ['enforcement.*', 'inventory.changed', 'agent.health', 'audit.exception.*'] } });
      assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      rx.secrets = [hook.secret];
      // The secret is shown once: never in a listing.
      const listed = await http(f.url, 'GET', '/api/v1/webhooks', { token: f.tokens.auditor });
      assert.equal(listed.status, 200);
      assert.ok(!listed.text.includes(hook.secret.slice(6)), 'listing holds no secret');

      const dev = await enroll(f.url, f.enrollSecret, 'siem-host');
      const inv = await http(f.url, 'POST', '/api/v1/agent/inventory', { token: dev.credential, body: { kind: 'full', seq: 1, inventory: inventory('siem-host', [finding('claude-code', '1.0.0')]) } });
      assert.equal(inv.status, 200, inv.text);
      const evs = [event('claude-code', 'quarantine'), event('claude-code', 'notice', { action: 'notify' })];
      await upload(f, dev.credential, evs, 'b1');
      await upload(f, dev.credential, evs, 'b1'); // a re-sent batch is no new event
      const st = await http(f.url, 'POST', '/api/v1/agent/status', { token: dev.credential, body: { bundle_revision: '1.0', agent_version: '0.1.0', errors: [], decisions: [{ finding: 'claude-code:npm:alice', tool: 'claude-code', action: 'quarantine', rule: 'ban-claude-code', monitor: false, grace_until: null }] } });
      assert.equal(st.status, 200, st.text);
      const ex = await http(f.url, 'POST', '/api/v1/exceptions', { token: f.tokens['policy-editor'], body: { device_id: dev.deviceId, tool: 'claude-code', reason: 'migration project' } });
      assert.equal(ex.status, 201, ex.text);
      const exId = (ex.body as { id: string }).id;
      assert.equal((await http(f.url, 'POST', `/api/v1/exceptions/${exId}/deny`, { token: f.tokens['policy-editor'], body: { note: 'use Qoder' } })).status, 200);

      const expected = ['inventory.changed', 'enforcement.quarantine', 'enforcement.notice', 'agent.health', 'audit.exception.request', 'audit.exception.deny'];
      await rx.waitFor((g) => g.length >= expected.length);
      assert.deepEqual(rx.got.map((g) => g.type), expected);
      assert.ok(rx.got.every((g) => g.valid), 'every signature verifies with the Standard Webhooks library');
      assert.equal(new Set(rx.got.map((g) => g.id)).size, expected.length, 'one id per event');
      const seqs = rx.got.map((g) => g.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in log order');
      const quarantine = JSON.parse(rx.got[1]!.body) as { data: { hostname: string; event: { id: string } } };
      assert.equal(quarantine.data.hostname, 'siem-host');
      assert.equal(quarantine.data.event.id, evs[0]!.id);
      const health = JSON.parse(rx.got[3]!.body) as { data: { compliance: string; banned_tools: string[] } };
      assert.deepEqual([health.data.compliance, health.data.banned_tools], ['noncompliant', ['claude-code']]);
      // A tampered body does not verify.
      rx.secrets = [hook.secret];
      const tampered = { ...rx.got[1]!, body: rx.got[1]!.body.replace('siem-host', 'evil-host') };
      const { Webhook } = await import('standardwebhooks');
      assert.throws(() => new Webhook(hook.secret).verify(tampered.body, { 'webhook-id': tampered.id, 'webhook-timestamp': String(tampered.timestamp), 'webhook-signature': tampered.signature }), /No matching signature/);

      // The receiver is down (503) while 20 events happen; then it comes back and gets them in order.
      rx.status = 503;
      const burst = Array.from({ length: 20 }, () => event('claude-code', 'kill', { action: 'block' }));
      for (let i = 0; i < 4; i++) await upload(f, dev.credential, burst.slice(i * 5, i * 5 + 5), `burst-${i}`);
      await rx.waitFor((g) => g.filter((x) => x.type === 'enforcement.kill').length >= 3); // retried (the first kill only)
      const during = (await http(f.url, 'GET', `/api/v1/webhooks/${hook.id}`, { token: f.tokens.auditor })).body as { delivery: { backlog: number; last_status: number; failing_attempts: number } };
      assert.equal(during.delivery.last_status, 503);
      assert.ok(during.delivery.backlog >= 20 && during.delivery.failing_attempts >= 1, JSON.stringify(during.delivery));
      assert.ok(rx.got.filter((x) => x.type === 'enforcement.kill').every((x) => x.id === rx.got.find((y) => y.type === 'enforcement.kill')!.id), 'while failing, only the head event is retried');
      rx.status = 204;
      await rx.waitFor((g) => firstDeliveries(g).filter((x) => x.type === 'enforcement.kill').length === 20);
      const kills = firstDeliveries(rx.got).filter((x) => x.type === 'enforcement.kill');
      assert.deepEqual(kills.map((k) => JSON.parse(k.body).data.event.id), burst.map((e) => e.id), 'the backlog arrives whole, in order');
      assert.ok(kills.every((k) => k.valid));

      // Rotation: both secrets sign during the grace period; the new one is shown once.
      const rot = await http(f.url, 'POST', `/api/v1/webhooks/${hook.id}/rotate-secret`, { token: f.tokens.admin, body: { why: 'yearly rotation', grace_hours: 1 } });
      assert.equal(rot.status, 200, rot.text);
      const newSecret = (rot.body as { secret: string }).secret;
      assert.notEqual(newSecret, hook.secret);
      const test1 = await http(f.url, 'POST', `/api/v1/webhooks/${hook.id}/test`, { token: f.tokens.admin });
      assert.equal((test1.body as { ok: boolean }).ok, true, test1.text);
      const t = rx.got.at(-1)!;
      assert.equal(t.type, 'webhook.test');
      assert.equal(t.signature.split(' ').length, 2);
      for (const s of [hook.secret, newSecret]) {
        rx.secrets = [s];
        assert.doesNotThrow(() => new Webhook(s).verify(t.body, { 'webhook-id': t.id, 'webhook-timestamp': String(t.timestamp), 'webhook-signature': t.signature }));
      }

      // No secret, signature or receiver path token in the server's log.
      const log = logged.join('');
      for (const s of [hook.secret.slice(6), newSecret.slice(6), 'path-secret', t.signature.split(' ')[0]!.slice(3)]) assert.ok(!log.includes(s), `log holds no ${s.slice(0, 8)}…`);
    } finally {
      await rx.close();
      await f.close();
    }
  });

  test(`[${kind.name}] webhook targets: internal addresses refused unless allow-listed; dead letters; SIEM stream and audit export resume from a cursor${pgNote}`, { timeout: 90_000 }, async () => {
    // Only 127.0.0.2 (another loopback address) is allow-listed: 127.0.0.1 stands for an internal service.
    const f = await startFleet(kind, { integrations: { allow: ['127.0.0.2/32'], retry: { baseMs: 40, maxMs: 100, maxAttempts: 3 }, pollMs: 100 } });
    const rx = await new Receiver().start();
    const bad = await new Receiver().start(0, '127.0.0.2');
    try {
      for (const url of [rx.url, 'http://169.254.169.254/latest/meta-data', 'http://[::1]:9/x', 'http://10.1.2.3/x', 'http://[::ffff:127.0.0.1]/x', 'file:///etc/passwd', 'http://user:pw@example.com/']) {
        const r = await http(f.url, 'POST', '/api/v1/webhooks', { token: f.tokens.admin, body: { why: 'ssrf probe', webhook: { name: 'probe', url, events: ['*'] } } });
        assert.equal(r.status, 400, `${url}: ${r.text}`);
        assert.equal((r.body as { error: string }).error, 'invalid_webhook', url);
      }
      // A name that resolves to loopback is saved (DNS may change) but refused at connect time.
      const byName = await createHook(f, { webhook: { name: 'by-name', url: rx.url.replace('127.0.0.1', 'localhost'), events: ['*'] } });
      const tr = await http(f.url, 'POST', `/api/v1/webhooks/${byName.id}/test`, { token: f.tokens.admin });
      assert.equal((tr.body as { ok: boolean }).ok, false);
      assert.match((tr.body as { error: string }).error, /localhost resolves to (127\.0\.0\.1|::1) \(loopback\), an internal address/);
      assert.equal(rx.got.length, 0, 'nothing reached the internal receiver');

      // The stream: a siem token reads it, resumes from the cursor, filters by type; it can do nothing else.
      const dev = await enroll(f.url, f.enrollSecret, 'stream-host');
      const evs = Array.from({ length: 5 }, () => event('cursor', 'kill', { action: 'block' }));
      await upload(f, dev.credential, evs, 's1');
      const s1 = await http(f.url, 'GET', '/api/v1/events/stream?types=enforcement.*&limit=3', { token: f.tokens.siem });
      assert.equal(s1.status, 200, s1.text);
      assert.match(s1.headers.get('content-type') ?? '', /application\/x-ndjson/);
      const l1 = s1.text.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; data: { event: { id: string } } });
      assert.deepEqual(l1.map((l) => l.data.event.id), evs.slice(0, 3).map((e) => e.id));
      const cursor = Number(s1.headers.get('x-warden-cursor'));
      assert.equal(cursor, l1[2]!.seq);
      const s2 = await http(f.url, 'GET', `/api/v1/events/stream?types=enforcement.*&after=${cursor}`, { token: f.tokens.siem });
      assert.deepEqual(s2.text.trim().split('\n').map((l) => (JSON.parse(l) as { data: { event: { id: string } } }).data.event.id), evs.slice(3).map((e) => e.id));
      const cef = await http(f.url, 'GET', '/api/v1/events/stream?types=enforcement.kill&format=cef&limit=1', { token: f.tokens.siem });
      assert.match(cef.text, /^CEF:0\|warden\|warden\|1\|enforcement\.kill\|kill cursor \(ok\)\|7\|rt=\d+ externalId=evt_[0-9a-f-]+ cn1Label=seq cn1=\d+ deviceExternalId=\S+ dvchost=stream-host /);
      assert.equal((await http(f.url, 'GET', '/api/v1/events/stream?types=Bad;', { token: f.tokens.siem })).status, 400);
      // Long poll: an empty answer waits for the next event.
      const last = Number(s2.headers.get('x-warden-cursor'));
      const waiting = http(f.url, 'GET', `/api/v1/events/stream?types=enforcement.*&after=${last}&wait=20`, { token: f.tokens.siem });
      await new Promise((r) => setTimeout(r, 300));
      const late = event('cursor', 'quarantine');
      await upload(f, dev.credential, [late], 's2');
      const w = await waiting;
      assert.equal((JSON.parse(w.text.trim()) as { data: { event: { id: string } } }).data.event.id, late.id);
      // A second webhook that always fails fills its dead letters; redelivery works once it is fixed.
      bad.status = 500;
      const hook2 = await createHook(f, { webhook: { name: 'flaky', url: `${bad.url}/x`, events: ['enforcement.restore'], format: 'cef' } });
      bad.secrets = [hook2.secret];
      await upload(f, dev.credential, [event('claude-code', 'restore', { action: 'allow' })], 'r1');
      await bad.waitFor((g) => g.length >= 3);
      const deadDeadline = Date.now() + 10_000;
      let dl: { event_seq: number; attempts: number; last_status: number; event: { type: string } }[] = [];
      while (dl.length === 0 && Date.now() < deadDeadline) {
        dl = ((await http(f.url, 'GET', `/api/v1/webhooks/${hook2.id}/dead-letters`, { token: f.tokens.admin })).body as { dead_letters: typeof dl }).dead_letters;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(dl.length, 1);
      assert.deepEqual([dl[0]!.attempts, dl[0]!.last_status, dl[0]!.event.type], [3, 500, 'enforcement.restore']);
      assert.match(bad.got[0]!.body, /^CEF:0\|warden\|warden\|1\|enforcement\.restore\|/);
      assert.ok(bad.got.every((g) => g.valid && g.id === bad.got[0]!.id));
      bad.status = 200;
      const re = await http(f.url, 'POST', `/api/v1/webhooks/${hook2.id}/dead-letters/${dl[0]!.event_seq}/redeliver`, { token: f.tokens.admin });
      assert.deepEqual(re.body, { ok: true, status: 200, error: null });
      assert.equal(bad.got.at(-1)!.id, bad.got[0]!.id, 'redelivered with the same idempotency id');

      // SSE follows live and resumes from Last-Event-ID.
      const abort = new AbortController();
      const res = await fetch(`${f.url}/api/v1/events/stream?types=enforcement.kill,enforcement.quarantine,enforcement.notice`, { headers: { authorization: `Bearer ${f.tokens.siem}`, accept: 'text/event-stream', 'last-event-id': String(cursor) }, signal: abort.signal });
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = res.body!.getReader();
      let sse = '';
      const liveEvent = event('cursor', 'notice', { action: 'notify' });
      let posted = false;
      while ((sse.match(/^id: /gm) ?? []).length < 4) {
        const { value } = await reader.read();
        sse += Buffer.from(value!).toString();
        if (!posted && (sse.match(/^id: /gm) ?? []).length === 3) {
          posted = true;
          await upload(f, dev.credential, [liveEvent], 'sse');
        }
      }
      abort.abort();
      const ids = [...sse.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as { data: { event: { id: string } } }).data.event.id);
      assert.deepEqual(ids, [...evs.slice(3).map((e) => e.id), late.id, liveEvent.id], 'resumed after the cursor, then followed live');
      assert.match(sse, /^event: enforcement\.notice$/m);
      for (const [m, p] of [['GET', '/api/v1/devices'], ['GET', '/api/v1/webhooks'], ['GET', '/api/v1/audit']] as const) assert.equal((await http(f.url, m, p, { token: f.tokens.siem })).status, 403, p);
      assert.equal((await http(f.url, 'GET', '/api/v1/events/stream', { token: f.tokens['policy-editor'] })).status, 403);

      // The audit export: the same form, its own cursor, the whole history.
      const a1 = await http(f.url, 'GET', '/api/v1/audit/stream?limit=1', { token: f.tokens.siem });
      const first = JSON.parse(a1.text.trim()) as { seq: number; type: string; id: string };
      assert.deepEqual([first.type, first.id], ['audit.webhook.create', `audit_${first.seq}`]);
      const a2 = await http(f.url, 'GET', `/api/v1/audit/stream?after=${a1.headers.get('x-warden-cursor')}`, { token: f.tokens.siem });
      assert.deepEqual(a2.text.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type).slice(0, 3), ['audit.webhook.test', 'audit.device.enroll', 'audit.webhook.create']);
    } finally {
      await bad.close();
      await rx.close();
      await f.close();
    }
  });
}
