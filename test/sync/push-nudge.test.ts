// The push channel's nudge, from the agent's side: whatever answers at the server address controls
// every frame the agent's push client receives. Malformed, unknown, binary, oversized or
// command-carrying messages are dropped (a nudge's extra fields are never read), the connection is
// kept (or re-made after an oversized frame), and a flood of nudges turns into check-ins at least
// minIntervalMs apart, the last nudge never lost (NudgeGate). The nudge reaching the right agent
// through a real server, across nodes, is in push-paths.test.ts; the tray seeing a denial thanks
// to it, in test/tray-app/exception-e2e.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer, type WebSocket } from 'ws';
import { PushClient, type PushNotice } from '../../agent/src/sync/push-client.ts';
import { NudgeGate } from '../../agent/src/sync/nudge-gate.ts';
import { eventually } from './helpers.ts';

const HOSTILE: (string | Buffer)[] = [
  'not json',
  '{"type":"nudge"',
  'null',
  '[]',
  '"nudge"',
  '42',
  '{"type":"exec","command":"rm -rf /"}',
  '{"type":"NUDGE"}',
  '{"type":["nudge"]}',
  '{"__proto__":{"type":"nudge"}}',
  '{"type":"bundle","etag":5}',
  '{"type":"hello"}',
  `${'['.repeat(30_000)}${']'.repeat(30_000)}`,
  Buffer.from('{"type":"nudge"}'), // binary frame
];

test('push client: hostile frames are dropped, a nudge carries nothing, an oversized frame only costs a reconnect', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const auth: string[] = [];
  let connections = 0;
  wss.on('connection', (ws: WebSocket, req) => {
    auth.push(String(req.headers.authorization));
    connections += 1;
    if (connections === 1) {
      for (const m of HOSTILE) ws.send(m, { binary: Buffer.isBuffer(m) });
      ws.send('{"type":"nudge","command":"uninstall","etag":"x","revision":"r","exceptions":[{"state":"approved"}]}');
      ws.send('{"type":"nudge"}');
      ws.send('{"type":"bundle","revision":null,"etag":"end"}');
      ws.send('x'.repeat(70 * 1024)); // past the client's 64 KiB limit: it closes the connection
    } else {
      ws.send('{"type":"nudge"}');
    }
  });
  const notices: PushNotice[] = [];
  const states: boolean[] = [];
  const client = new PushClient({
    url: `ws://127.0.0.1:${port}/api/v1/agent/push`,
    credential: () => 'device-cred',
    onNotice: (n) => notices.push(n),
    onState: (up) => states.push(up),
    backoffMinMs: 20,
    backoffMaxMs: 50,
  });
  try {
    client.start();
    await eventually(async () => notices.length >= 4, 'the second connection delivers its nudge');
    assert.deepEqual(notices, [{ type: 'nudge' }, { type: 'nudge' }, { type: 'bundle', revision: null, etag: 'end' }, { type: 'nudge' }]);
    assert.equal(connections, 2, 'the oversized frame closed the first connection; the client came back');
    assert.deepEqual(states.slice(0, 3), [true, false, true]);
    assert.deepEqual(auth, ['Bearer device-cred', 'Bearer device-cred']);
  } finally {
    client.stop();
    await new Promise((r) => wss.close(r));
  }
});

test('nudge gate: a flood becomes runs at least minIntervalMs apart, the last nudge still gets its run; stop cancels', async () => {
  const minIntervalMs = 200;
  const runs: number[] = [];
  const gate = new NudgeGate({ jitterMs: 20, minIntervalMs, run: () => runs.push(Date.now()) });
  const start = Date.now();
  let sent = 0;
  let lastNudge = 0;
  for (let burst = 0; burst < 8; burst++) {
    if (burst) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 500; i++) gate.nudge();
    sent += 500;
    lastNudge = Date.now();
  }
  await eventually(async () => runs.length > 0 && runs.at(-1)! >= lastNudge, 'a run after the last nudge', 5_000);
  await new Promise((r) => setTimeout(r, minIntervalMs + 100)); // nothing more is scheduled
  assert.equal(gate.received, sent);
  assert.equal(gate.runs, runs.length);
  for (let i = 1; i < runs.length; i++) assert.ok(runs[i]! - runs[i - 1]! >= minIntervalMs - 2, `runs ${i - 1} and ${i} are ${runs[i]! - runs[i - 1]!} ms apart`);
  // 4,000 nudges over the flood's span: one run per interval at most, plus the first and the trailing one.
  assert.ok(runs.length <= Math.ceil((lastNudge - start) / minIntervalMs) + 2, `${runs.length} runs for ${sent} nudges`);
  assert.ok(runs.length >= 2, 'the flood outlasted one interval: a first run and a later one');

  const before = gate.runs;
  gate.nudge();
  gate.stop();
  gate.nudge();
  await new Promise((r) => setTimeout(r, minIntervalMs + 100));
  assert.equal(gate.runs, before, 'a stopped gate runs nothing');
});
