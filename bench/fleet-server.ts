// Child process of bench/fleet.ts: one warden server (buildServer + signed bundles + push) on
// 127.0.0.1, so its RSS is measured apart from the simulated agents. Prints one JSON line with the
// port, enroll secret and an admin API token, then answers {cmd:'rss'} over IPC.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { buildServer } from '../server/src/app.ts';
import { openStore } from '../server/src/store/open.ts';
import { installBundleDistribution } from '../server/src/bundle-distribution.ts';
import { compilerBundle } from '../server/src/bundle-compile.ts';
import { createUser, issueApiToken, rotateEnrollSecret } from '../server/src/routes/access.ts';
import type { CompileBundle } from '../server/src/bundle-builder.ts';
import { DEFAULT_JITTER_PER_AGENT_MS, DEFAULT_MAX_JITTER_MS } from '../server/src/routes/push.ts';
import { PostgresDriver } from '../server/src/store/postgres-driver.ts';
import type { SqlRepository } from '../server/src/store/sql-repository.ts';

const dataDir = process.env.BENCH_DATA_DIR as string;
const database = process.env.BENCH_DATABASE || undefined;
const pgSchema = process.env.BENCH_PG_SCHEMA || undefined;
mkdirSync(dataDir, { recursive: true });

// The real compiler when it can build the fleet policy; otherwise the bench says so and ships the
// ban list with a minimal module (the figures measure distribution, not evaluation).
let compile: CompileBundle = compilerBundle();
let policy = 'policies/warden.rego compiled by warden';
try {
  await compile({ source: 'probe', data: {}, revision: 'probe' });
} catch (e) {
  policy = `minimal policy.wasm (the compiler cannot build policies/warden.rego yet: ${(e as Error).message.slice(0, 160)})`;
  compile = async ({ data, revision }) =>
    new Map([
      ['.manifest', Buffer.from(JSON.stringify({ revision, roots: [''], wasm: [{ entrypoint: 'warden/decisions', module: '/policy.wasm' }] }))],
      ['policy.wasm', Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])],
      ['data.json', Buffer.from(JSON.stringify(data))],
    ]);
}

const store = (await openStore({ dataDir, ...(database ? { database } : {}), ...(pgSchema ? { pgSchema } : {}) })) as SqlRepository;
// BENCH_AUTH_CACHE_MS=0 (bench/fleet.ts --auth-cache cold): every request verifies its credential,
// as an agent checking in every minute or more always does in production (the cache lives 30 s).
const authCacheMs = process.env.BENCH_AUTH_CACHE_MS === undefined ? undefined : Number(process.env.BENCH_AUTH_CACHE_MS);
const app = await buildServer({ store, exceptionSweepMs: 0, ...(authCacheMs !== undefined ? { authCacheMs } : {}) });
await installBundleDistribution(app, {
  dataDir: join(dataDir, 'keys'),
  compile,
  // The server's own defaults (routes/push.ts: 0.25 ms per agent, at most 10 s) unless BENCH_JITTER_PER_AGENT_MS says otherwise.
  ...(process.env.BENCH_JITTER_PER_AGENT_MS !== undefined ? { jitterPerAgentMs: Number(process.env.BENCH_JITTER_PER_AGENT_MS) } : {}),
});
const enrollSecret = await rotateEnrollSecret(store);
const uid = await createUser(store, 'bench-admin', 'admin', `bench-${Date.now()}-password`, Date.now());
const { token } = await issueApiToken(store, uid, 'bench', null, Date.now());
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;
const jitter = { perAgentMs: process.env.BENCH_JITTER_PER_AGENT_MS !== undefined ? Number(process.env.BENCH_JITTER_PER_AGENT_MS) : DEFAULT_JITTER_PER_AGENT_MS, maxMs: DEFAULT_MAX_JITTER_MS };
process.stdout.write(`${JSON.stringify({ port, enrollSecret, token, policy, dialect: store.dialect, jitter })}\n`);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);
// The bench died (timeout, Ctrl-C): do not outlive it.
process.on('disconnect', () => process.exit(1));
// --server-cpu-prof: V8 CPU profiles of single phases (check-ins, rollout), so each shows only its own work.
const profiler = process.env.BENCH_CPU_PROF_DIR ? new Session() : null;
profiler?.connect();
const profile = async (m: { cmd?: string; name?: string }): Promise<void> => {
  if (!profiler) return void process.send?.({ profiled: false });
  if (m.cmd === 'prof-start') {
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  } else {
    const { profile: p } = await profiler.post('Profiler.stop');
    writeFileSync(join(process.env.BENCH_CPU_PROF_DIR as string, `${m.name ?? 'phase'}.cpuprofile`), JSON.stringify(p));
  }
  process.send?.({ profiled: true });
};
process.on('message', (m: { cmd?: string; name?: string }) => {
  if (m.cmd === 'prof-start' || m.cmd === 'prof-stop') void profile(m);
  if (m.cmd === 'rss') process.send?.({ rss: process.memoryUsage().rss, peakRss });
  if (m.cmd === 'cpu') process.send?.({ cpu: process.cpuUsage(), touches: { ...store.statusTouches.stats }, lookups: { ...(store.credentialLookups?.stats ?? { queries: 0, lookups: 0 }) } });
  if (m.cmd === 'stop') {
    clearInterval(sampler);
    void (async () => {
      await app.close();
      if (store.driver instanceof PostgresDriver) await store.driver.dropSchema();
      await store.close();
      process.exit(0);
    })();
  }
});
