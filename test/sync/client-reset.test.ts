// A server or load balancer closes an idle keep-alive connection just as the agent reuses it: the
// request meets a reset. The agent's client sends a request that is safe to repeat again on another
// connection; enrollment, inventory uploads and exception requests are not repeated (the cycle's own
// retry decides); a reset of a fresh connection is reported, not retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { AgentClient, ServerError } from '../../agent/src/sync/client.ts';

interface Resetting {
  url: string;
  /** Requests the handler answered, as "METHOD /path". */
  answered: string[];
  /** Requests that met a reset instead. */
  reset: string[];
  /** The next request arriving on an already used connection is reset (TCP RST, unanswered). */
  resetNextReuse(): void;
  /** Every request is reset, fresh connections too (a server that is going away). */
  resetAll(on: boolean): void;
  connections(): number;
  close(): Promise<void>;
}

async function resettingServer(): Promise<Resetting> {
  const answered: string[] = [];
  const reset: string[] = [];
  const served = new WeakMap<Socket, number>();
  let reuseReset = false;
  let all = false;
  let conns = 0;
  const srv: Server = createServer((req, res) => {
    const n = served.get(req.socket) ?? 0;
    served.set(req.socket, n + 1);
    const what = `${req.method} ${req.url}`;
    if (all || (reuseReset && n > 0)) {
      reuseReset = false;
      reset.push(what);
      req.socket.resetAndDestroy();
      return;
    }
    req.resume();
    req.on('end', () => {
      answered.push(what);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bundle_revision: null, bundle_etag: null, ok: true }));
    });
  });
  srv.on('connection', () => void conns++);
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    answered,
    reset,
    resetNextReuse: () => void (reuseReset = true),
    resetAll: (on) => void (all = on),
    connections: () => conns,
    close: () =>
      new Promise<void>((ok) => {
        srv.closeAllConnections();
        srv.close(() => ok());
      }),
  };
}

const status = { bundle_revision: null, agent_version: 't', errors: [], queue_length: 0, last_scan_at: null };

test('a reset of a reused keep-alive socket: idempotent requests go again on a new connection, the rest is reported', async () => {
  const s = await resettingServer();
  try {
    const client = new AgentClient(s.url, 5000);
    client.credential = 'c';
    // the check-in, then one on the same (kept-alive) connection that the server closes on arrival
    await client.checkIn(status);
    assert.equal(s.connections(), 1);
    s.resetNextReuse();
    const answer = await client.checkIn(status);
    assert.deepEqual(answer, { bundle_revision: null, bundle_etag: null });
    assert.deepEqual(s.reset, ['POST /api/v1/agent/status'], 'the reused connection was reset');
    assert.deepEqual(s.answered, ['POST /api/v1/agent/status', 'POST /api/v1/agent/status'], 'and the check-in went again, answered once');
    assert.equal(s.connections(), 2, 'on a new connection');

    // reads and event batches (deduplicated by batch_id on the server) are repeated as well
    s.resetNextReuse();
    await client.uploadEvents({ batch_id: 'b1', events: [] });
    s.resetNextReuse();
    await client.listExceptions();
    assert.deepEqual(s.reset.slice(1), ['POST /api/v1/agent/events', 'GET /api/v1/agent/exceptions']);
    assert.deepEqual(s.answered.slice(2), ['POST /api/v1/agent/events', 'GET /api/v1/agent/exceptions']);

    // not repeated: an inventory upload, an exception request, an enrollment — the reset is reported
    for (const [what, send] of [
      ['POST /api/v1/agent/inventory', () => client.uploadInventory({ seq: 1, full: true, items: [] })],
      ['POST /api/v1/agent/exceptions', () => client.requestException({ tool: 'claude-code', reason: 'r', local_user: 'u', duration_days: 1 })],
      ['POST /api/v1/enroll', () => client.enroll({ enroll_secret: 's', hardware_id: 'h', hostname: 'n', platform: 'linux', agent_version: 't' })],
    ] as const) {
      s.resetNextReuse();
      const before = s.answered.length;
      await assert.rejects(send(), (e: unknown) => e instanceof ServerError && e.status === 0 && e.retryable && /ECONNRESET/.test(e.message), what);
      assert.equal(s.reset.at(-1), what);
      assert.equal(s.answered.length, before, `${what} was sent once, not again`);
      // the next request (a new connection) goes through
      await client.checkIn(status);
    }

    // a reset of a fresh connection is the server going away: reported after one attempt
    s.resetAll(true);
    const conns = s.connections();
    const resets = s.reset.length;
    // (the kept-alive connection meets the first reset, a new one the second)
    await assert.rejects(client.checkIn(status), (e: unknown) => e instanceof ServerError && e.status === 0 && /ECONNRESET/.test(e.message));
    assert.equal(s.reset.length - resets, 2, 'one retry after the reused socket, none after the fresh one');
    assert.equal(s.connections() - conns, 1);
  } finally {
    await s.close();
  }
});
