// Webhook delivery on loopback: events uploaded by an agent → integration event log → signed POST to a
// real receiver. Prints per-event latency (upload sent → receiver has it; p50/p99) at a steady
// trickle, and throughput (events/s through one webhook) draining a backlog, on SQLite and (when
// WARDEN_TEST_PG_URL is set) PostgreSQL, beside the goals.
// Usage: npx tsx bench/webhooks.ts [backlog=2000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { openStore } from '../server/src/store/open.ts';
import { PostgresDriver } from '../server/src/store/postgres-driver.ts';
import { buildServer } from '../server/src/app.ts';
import { createUser, issueApiToken, rotateEnrollSecret } from '../server/src/routes/access.ts';

const BACKLOG = Number(process.argv[2] ?? 2000);
const GOALS = { p50Ms: 100, p99Ms: 1000, eventsPerSec: 500 };

async function req(url: string, method: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

function ev(): Record<string, unknown> {
  return { id: randomUUID(), time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), kind: 'quarantine', tool: 'claude-code', finding: 'claude-code:npm:alice', action: 'quarantine', rule: 'ban', reason: 'bench', bundle_revision: '1.0', result: 'ok', detail: 'moved' };
}

async function run(name: string, database?: string, pgSchema?: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-webhooks-'));
  const store = await openStore(database ? { database, ...(pgSchema ? { pgSchema } : {}) } : { dataDir: dir });
  const app = await buildServer({ store, exceptionSweepMs: 0, complianceSampleMs: 0, integrations: { allow: ['127.0.0.1/32'] } });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const arrived = new Map<string, number>();
  let waiter: (() => void) | null = null;
  const rx = createServer((r, res) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { data: { event: { id: string } } };
      arrived.set(body.data.event.id, performance.now());
      waiter?.();
      res.writeHead(204).end();
    });
  });
  rx.listen(0, '127.0.0.1');
  await once(rx, 'listening');
  try {
    const admin = (await issueApiToken(store, await createUser(store, 'bench', 'admin', 'a long enough password', Date.now()), 'b', null, Date.now())).token;
    const secret = await rotateEnrollSecret(store);
    await req(`${url}/api/v1/webhooks`, 'POST', admin, { why: 'bench', webhook: { name: 'bench', url: `http://127.0.0.1:${(rx.address() as { port: number }).port}/`, events: ['enforcement.*'] } });
    const dev = await req(`${url}/api/v1/enroll`, 'POST', '', { enroll_secret: secret, hardware_id: `hw-${randomUUID()}`, hostname: 'bench', platform: 'linux', agent_version: '0.1.0' });
    const cred = String(dev.credential);
    const until = (n: number) => new Promise<void>((resolve) => {
      const check = () => (arrived.size >= n ? resolve() : (waiter = check));
      check();
    });

    // Latency: one event at a time, 200 times.
    const lat: number[] = [];
    for (let i = 0; i < 200; i++) {
      const e = ev();
      const sent = performance.now();
      await req(`${url}/api/v1/agent/events`, 'POST', cred, { batch_id: `l${i}`, events: [e] });
      await until(arrived.size + 1);
      lat.push(arrived.get(String(e.id))! - sent);
    }
    // Throughput: a backlog uploaded in batches of 100, then drained.
    const start = arrived.size;
    const t0 = performance.now();
    for (let i = 0; i < BACKLOG; i += 100) await req(`${url}/api/v1/agent/events`, 'POST', cred, { batch_id: `t${i}`, events: Array.from({ length: Math.min(100, BACKLOG - i) }, ev) });
    await until(start + BACKLOG);
    const secs = (performance.now() - t0) / 1000;
    const rate = BACKLOG / secs;
    process.stdout.write(
      `${name}: delivery latency (agent upload sent → receiver has it) p50 ${pct(lat, 50).toFixed(1)} ms (goal < ${GOALS.p50Ms}), p99 ${pct(lat, 99).toFixed(1)} ms (goal < ${GOALS.p99Ms}); ` +
        `backlog of ${BACKLOG} through one webhook in ${secs.toFixed(2)} s = ${rate.toFixed(0)} events/s (goal ≥ ${GOALS.eventsPerSec}); server RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB\n`,
    );
  } finally {
    rx.close();
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await run('sqlite');
const pg = process.env.WARDEN_TEST_PG_URL;
if (pg) {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const setup = new PostgresDriver({ url: pg, schema });
  await setup.init();
  try {
    await run('postgres', pg, schema);
  } finally {
    await setup.dropSchema();
    await setup.close();
  }
} else process.stdout.write('postgres: skipped (set WARDEN_TEST_PG_URL)\n');
