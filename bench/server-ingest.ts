// Measures the server core's ingestion on loopback: status check-ins/s and event batches/s from C
// concurrent clients (one enrolled device each), p50/p99 latency and server RSS, on SQLite and (when
// WARDEN_TEST_PG_URL is set) PostgreSQL. Usage: npx tsx bench/server-ingest.ts [clients=50] [seconds=5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { openStore } from '../server/src/store/open.ts';
import { PostgresDriver } from '../server/src/store/postgres-driver.ts';
import { buildServer } from '../server/src/app.ts';
import { rotateEnrollSecret } from '../server/src/routes/access.ts';

const CLIENTS = Number(process.argv[2] ?? 50);
const SECONDS = Number(process.argv[3] ?? 5);

async function post(url: string, token: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

async function phase(name: string, creds: string[], make: (i: number) => [string, unknown]): Promise<void> {
  const lat: number[] = [];
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    creds.map(async (cred, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const [url, body] = make(c * 1_000_000 + i);
        const t = performance.now();
        const st = await post(url, cred, body);
        lat.push(performance.now() - t);
        if (st !== 200) errors++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  // CPU per request (server + the in-process clients) is what the machine's load cannot distort.
  const cpuMs = (cpu.user + cpu.system) / 1000 / Math.max(1, lat.length);
  process.stdout.write(`  ${name}: ${(lat.length / SECONDS).toFixed(0)} req/s, ${cpuMs.toFixed(2)} ms CPU/req (→ ~${(1000 / cpuMs).toFixed(0)} req/s per core), p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, errors ${errors}, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
}

async function run(kind: 'sqlite' | 'postgres'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const store = kind === 'sqlite' ? await openStore({ dataDir: dir }) : await openStore({ database: process.env.WARDEN_TEST_PG_URL!, pgSchema: schema });
  const app = await buildServer({ store, exceptionSweepMs: 0 });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const secret = await rotateEnrollSecret(store);
    const creds: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < CLIENTS; i++) {
      const res = await fetch(`${base}/api/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enroll_secret: secret, hardware_id: `bench-hw-${i}-${randomBytes(4).toString('hex')}`, hostname: `h${i}`, platform: 'linux', agent_version: '1' }) });
      creds.push(((await res.json()) as { credential: string }).credential);
    }
    process.stdout.write(`${kind}: ${CLIENTS} clients, ${SECONDS} s per phase (enrolled ${CLIENTS} devices in ${(performance.now() - t0).toFixed(0)} ms)\n`);
    await phase('status check-ins', creds, () => [`${base}/api/v1/agent/status`, { bundle_revision: '1.0', agent_version: '1', errors: [] }]);
    const ev = () => ({ id: randomUUID(), time: '2026-11-24T22:00:00Z', kind: 'kill', tool: 'claude-code', finding: 'claude-code:npm:alice', action: 'block', rule: 'r', reason: 'r', bundle_revision: '1.0', result: 'ok', detail: 'd' });
    await phase('event batches (10 events)', creds, (i) => [`${base}/api/v1/agent/events`, { batch_id: `b${i}`, events: Array.from({ length: 10 }, ev) }]);
  } finally {
    await app.close();
    await store.close();
    if (kind === 'postgres') {
      const d = new PostgresDriver({ url: process.env.WARDEN_TEST_PG_URL!, schema });
      await d.dropSchema();
      await d.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await run('sqlite');
if (process.env.WARDEN_TEST_PG_URL) await run('postgres');
