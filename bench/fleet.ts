// bench/fleet: N simulated agents against a real warden server on loopback.
//
//   node --import tsx bench/fleet.ts [--agents 1000] [--db sqlite|postgres] [--seconds 10] [--concurrency 64]
//                                    [--push-bundles on|off]   (on, the default: the ban's signed bundle arrives on each
//                                     agent's push socket and it answers "applied" there; off: notice + HTTP download + check-in)
//                                    [--auth-cache cold|warm]   (cold, the default: the server verifies every
//                                     request's credential, as for agents that check in every ≥ 60 s; warm: its 30 s cache)
//                                    [--server-cpu-prof <folder>]   (the server's and the load generator's V8 CPU profiles
//                                     of the check-in window and of the rollout, to find where their µs go)
//
// The server runs in a child process (bench/fleet-server.ts) so its RSS is its own. Each simulated
// agent speaks the real protocol: enroll (the agent's own client), download + verify the signed
// bundle (ed25519, every file hash), report status, hold the push WebSocket. Bundle downloads and
// check-ins go through a lean client (bench/fleet-http.ts: an undici keep-alive pool, each agent's
// own credential, bodies built once) rather than the agent's axios client, which cost the one
// generator process more CPU per request than the server spent. Prints:
//   - check-ins/s sustained and latency p50/p99 (status POSTs from `concurrency` workers for `seconds`)
//   - server RSS (after all agents connected, and peak)
//   - time from the ban change request until every agent verified + applied the new bundle and
//     reported it (p50/p99/max)
//   - for a sample of agents (1 %, at least 10, at most 100) that do everything a real agent does
//     with the bundle — their own full signature check, loading policy.wasm in the opa-wasm SDK
//     (the agent's PolicyEngine) and evaluating an inventory with Cursor on it — the same figures,
//     and whether every one of them decided to block Cursor after the ban (in two worker threads,
//     bench/fleet-evaluator.ts, so a wasm compile does not stall the other simulated agents)
// The server runs as plain node from an esbuild bundle of bench/fleet-server.ts (as `warden server`
// runs from build/warden.mjs), so its RSS does not include tsx's loader.
// PostgreSQL: --db postgres uses WARDEN_TEST_PG_URL (a fresh schema, dropped afterwards).
import { fork } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import axios from 'axios';
import { AgentClient } from '../agent/src/sync/client.ts';
import { LEAN_CLIENT, LeanAgent, LeanHttp } from './fleet-http.ts';
import { Backoff, sleep } from '../agent/src/sync/backoff.ts';
import { keyIdOf, openSignedBundle } from '../wire/src/bundle-signing.ts';
import { bundleEtag } from '../wire/src/bundle-etag.ts';
import { MAX_PUSHED_BUNDLE_BYTES, PUSH_BUNDLES_HEADER, PUSH_KEY_HEADER } from '../wire/src/push-protocol.ts';
import type { BanList } from '../wire/src/banlist.ts';
import type { Decision } from '../wire/src/decision.ts';
import { Worker } from 'node:worker_threads';
import type { EvaluateReply, EvaluateRequest } from './fleet-evaluator.ts';
import { loadLine, machine, report } from './machine.ts';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    db: { type: 'string', default: 'sqlite' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    // Writes the server process's V8 CPU profiles of the check-in window and of the rollout (checkins.cpuprofile, rollout.cpuprofile) into this folder.
    'server-cpu-prof': { type: 'string' },
    'auth-cache': { type: 'string', default: 'cold' },
    // on: agents take signed bundles on their push socket and answer "applied" there (wire/src/push-protocol.ts);
    // off: a text notice, then the bundle download and a check-in over HTTP (the fallback path).
    'push-bundles': { type: 'string', default: 'on' },
  },
});
const N = Number(values.agents);
const SECONDS = Number(values.seconds);
const CONC = Number(values.concurrency);
const pgUrl = process.env.WARDEN_TEST_PG_URL;
if (values.db === 'postgres' && !pgUrl) {
  process.stderr.write('bench/fleet: --db postgres needs WARDEN_TEST_PG_URL (bash scripts/ci-postgres.sh prints one)\n');
  process.exit(2);
}

/** CPU time (µs) per postgres process on this machine so far (Linux /proc; null elsewhere or with SQLite): the database's share of a check-in, other users' queries included. */
function postgresCpuUs(): Map<string, number> | null {
  if (values.db !== 'postgres' || process.platform !== 'linux') return null;
  const tick = 1e6 / 100; // USER_HZ
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = st.lastIndexOf(')');
      if (!st.slice(st.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const f = st.slice(close + 2).split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) * tick);
    } catch {
      // gone
    }
  }
  return out;
}
/** CPU the postgres processes alive at `b` spent since `a` (one that exited between is not counted). */
function postgresCpuDelta(a: Map<string, number> | null, b: Map<string, number> | null): number | null {
  if (!a || !b) return null;
  let us = 0;
  for (const [pid, t] of b) us += Math.max(0, t - (a.get(pid) ?? 0));
  return us;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const mb = (x: number): string => `${(x / 1024 / 1024).toFixed(0)} MB`;

async function pool<T>(items: T[], width: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-fleet-'));
if (values['server-cpu-prof']) mkdirSync(values['server-cpu-prof'], { recursive: true });
const schema = `bench_${randomBytes(4).toString('hex')}`;
// Bundled like build/warden.mjs (our TypeScript in one file, packages from node_modules), then run by plain node.
const serverBundle = new URL('../build/bench-fleet-server.mjs', import.meta.url).pathname;
const esbuild = await import('esbuild');
await esbuild.build({ entryPoints: [new URL('./fleet-server.ts', import.meta.url).pathname], bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', outfile: serverBundle, logLevel: 'warning' });
const child = fork(serverBundle, [], {
  execArgv: [],
  env: {
    ...process.env,
    ...(values['server-cpu-prof'] ? { BENCH_CPU_PROF_DIR: values['server-cpu-prof'] } : {}),
    ...(values['auth-cache'] === 'cold' ? { BENCH_AUTH_CACHE_MS: '0' } : {}),
    BENCH_DATA_DIR: join(dir, 'server'),
    ...(values.db === 'postgres' ? { BENCH_DATABASE: pgUrl, BENCH_PG_SCHEMA: schema } : {}),
  },
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
const info = await new Promise<{ port: number; enrollSecret: string; token: string; policy: string; dialect: string; jitter: { perAgentMs: number; maxMs: number } }>((resolve, reject) => {
  let buf = '';
  child.stdout?.on('data', (c: Buffer) => {
    buf += c.toString();
    const nl = buf.indexOf('\n');
    if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
  });
  child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
});
const server = `http://127.0.0.1:${info.port}`;
const rss = (): Promise<{ rss: number; peakRss: number }> =>
  new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { rss: number; peakRss: number }));
    child.send({ cmd: 'rss' });
  });

/** Starts or stops (and writes) the server's CPU profile of one phase when --server-cpu-prof asked for it. */
// ...and the load generator's own (generator-<phase>.cpuprofile, same folder): where the simulated agents' CPU goes.
const genProfiler = values['server-cpu-prof'] ? new Session() : null;
genProfiler?.connect();
const serverProfile = async (cmd: 'prof-start' | 'prof-stop', name: string): Promise<void> => {
  if (!values['server-cpu-prof'] || !genProfiler) return;
  if (cmd === 'prof-start') {
    await genProfiler.post('Profiler.enable');
    await genProfiler.post('Profiler.start');
  } else {
    const { profile } = await genProfiler.post('Profiler.stop');
    writeFileSync(join(values['server-cpu-prof'], `generator-${name}.cpuprofile`), JSON.stringify(profile));
  }
  await new Promise((resolve) => {
    child.once('message', resolve);
    child.send({ cmd, name });
  });
};

/** Check-ins that repeated the stored status: batches run, check-ins recorded by them, check-ins sent on to the full write. */
type Touches = { batches: number; recorded: number; missed: number };
/** The server process's CPU time so far (user + system, µs), and its status-repeat counters. */
const serverCpu = (): Promise<{ us: number; touches: Touches; lookups: { queries: number; lookups: number } }> =>
  new Promise((resolve) => {
    child.once('message', (m) => {
      const { cpu: c, touches, lookups } = m as { cpu: NodeJS.CpuUsage; touches: Touches; lookups: { queries: number; lookups: number } };
      resolve({ us: c.user + c.system, touches, lookups });
    });
    child.send({ cmd: 'cpu' });
  });

// One connection pool for all simulated agents: a fleet of machines would each have their own, but
// one process cannot hold 2 × N sockets under the file-descriptor limit.
// Idle connections are all kept (maxFreeSockets): a fleet's agents each keep theirs, and the default
// (256) made the generator reconnect hundreds of sockets after every burst.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 });
const leanHttp = new LeanHttp(server, 1024);

interface Sim {
  client: AgentClient;
  /** Bundle downloads and check-ins (bench/fleet-http.ts). */
  lean?: LeanAgent;
  etag: string | null;
  revision: string | null;
  ws?: WebSocket;
  appliedAt?: number;
  /** A sampled agent: verifies every bundle itself and evaluates it; its decision on Cursor. */
  evaluates?: boolean;
  cursor?: Decision['action'];
}

// The sampled agents verify and evaluate in two worker threads (bench/fleet-evaluator.ts), off this
// event loop, as real agents do on their own machines.
const evaluatorBundle = new URL('../build/bench-fleet-evaluator.mjs', import.meta.url).pathname;
await esbuild.build({ entryPoints: [new URL('./fleet-evaluator.ts', import.meta.url).pathname], bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', outfile: evaluatorBundle, logLevel: 'warning' });
const evaluators = [0, 1].map(() => new Worker(evaluatorBundle));
const evalWaiting = new Map<number, (r: EvaluateReply) => void>();
for (const w of evaluators) w.on('message', (r: EvaluateReply) => evalWaiting.get(r.id)?.(r));
let evalSeq = 0;
function evaluateInWorker(archive: Buffer, publicKeyPem: string, deviceId: string): Promise<{ revision: string; cursor: string | undefined }> {
  const id = ++evalSeq;
  return new Promise((resolve, reject) => {
    evalWaiting.set(id, (r) => {
      evalWaiting.delete(id);
      if ('error' in r) reject(new Error(r.error));
      else resolve(r);
    });
    (evaluators[id % evaluators.length] as Worker).postMessage({ id, archive, publicKey: publicKeyPem, deviceId } satisfies EvaluateRequest);
  });
}

process.stdout.write(`bench/fleet: ${N} agents, ${info.dialect}, server ${server}\n  policy: ${info.policy}\n`);

// 1. Enroll every agent (the real enrollment route: scrypt-verified secret, credential minted).
const t0 = performance.now();
const SAMPLE = Math.max(10, Math.min(100, Math.round(N / 100)));
const sims: Sim[] = Array.from({ length: N }, (_, i) => ({ client: new AgentClient(server, 60_000, { httpAgent }), etag: null, revision: null, evaluates: i % Math.floor(N / SAMPLE) === 0 }));
await pool(sims, 32, async (s, i) => {
  const a = await s.client.enroll({ enroll_secret: info.enrollSecret, hardware_id: randomUUID(), hostname: `sim-${i}`, platform: 'linux', agent_version: 'bench' });
  s.client.credential = a.credential;
  s.lean = new LeanAgent(leanHttp, a.credential);
});
const enrollS = (performance.now() - t0) / 1000;
say(`  enroll:            ${N} agents in ${enrollS.toFixed(1)} s (${(N / enrollS).toFixed(0)}/s)`);
const publicKey = await sims[0]!.client.bundlePublicKey();

// Every simulated agent downloads the bundle itself; the full signature check (gunzip, tar, hashes,
// ed25519) runs once per distinct archive and the others compare their bytes' SHA-256 with it, so the
// figures measure the server and not N identical verifications serialized in this one process.
const verified = new Map<string, string>(); // archive sha256 → manifest revision
async function verify(archive: Buffer, digest = createHash('sha256').update(archive).digest('hex')): Promise<string> {
  const known = verified.get(digest);
  if (known !== undefined) return known;
  const v = await openSignedBundle(archive, publicKey); // throws on anything not signed by the pinned key
  const revision = JSON.parse((v.files.get('.manifest') as Buffer).toString()).revision as string;
  verified.set(digest, revision);
  return revision;
}

let bundleBytes = 0;
async function sync(s: Sim): Promise<void> {
  const lean = s.lean as LeanAgent;
  const dl = await lean.fetchBundle(s.etag);
  if (dl && s.evaluates) {
    // The agent's own path: signature + every file hash checked again, policy.wasm instantiated, evaluated.
    const r = await evaluateInWorker(dl.archive, publicKey, s.client.credential ?? 'sim');
    s.cursor = r.cursor as Decision['action'] | undefined;
    s.revision = r.revision;
    s.etag = dl.etag;
  } else if (dl) {
    bundleBytes = dl.archive.length;
    s.revision = await verify(dl.archive);
    s.etag = dl.etag;
  }
  await lean.checkIn(s.revision);
}

// Like the agent's run loop: a failed sync is retried with exponential backoff and jitter.
let retries = 0;
async function syncWithRetry(s: Sim): Promise<void> {
  const backoff = new Backoff(500, 30_000);
  for (;;) {
    try {
      return await sync(s);
    } catch (e) {
      if (retries++ < 3) process.stderr.write(`  (a sync failed and is retried: ${(e as Error).message.slice(0, 200)})\n`);
      await sleep(backoff.next());
    }
  }
}

// 2. First sync of every agent (download + verify the current bundle).
const t1 = performance.now();
await pool(sims, CONC, (s) => syncWithRetry(s));
const firstSyncS = (performance.now() - t1) / 1000;
say(`  first sync:        ${N} signed bundles (${(bundleBytes / 1024).toFixed(0)} KB each) downloaded + verified in ${firstSyncS.toFixed(1)} s`);

// 3. Sustained check-ins: `CONC` workers post status round-robin over the fleet for SECONDS.
const lat: number[] = [];
let errors = 0;
await serverProfile('prof-start', 'checkins');
const cpu0 = await serverCpu();
const genCpu0 = process.cpuUsage();
const pgCpu0 = postgresCpuUs();
const until = performance.now() + SECONDS * 1000;
let rr = 0;
await Promise.all(
  Array.from({ length: CONC }, async () => {
    while (performance.now() < until) {
      const s = sims[rr++ % N] as Sim;
      const a = performance.now();
      try {
        await (s.lean as LeanAgent).checkIn(s.revision);
        lat.push(performance.now() - a);
      } catch {
        errors++;
      }
    }
  }),
);
const checkinsPerS = lat.length / SECONDS;
// CPU the server spent per check-in: what the machine's load cannot inflate much, and what bounds
// the rate one server core could sustain were it not shared with the load generator and others.
const genCpu1 = process.cpuUsage(genCpu0);
const pgCpu1 = postgresCpuUs();
const cpu1 = await serverCpu();
const cpuPerCheckin = cpu1.us - cpu0.us;
const touched = { batches: cpu1.touches.batches - cpu0.touches.batches, recorded: cpu1.touches.recorded - cpu0.touches.recorded, missed: cpu1.touches.missed - cpu0.touches.missed };
await serverProfile('prof-stop', 'checkins');
const usPerCheckin = cpuPerCheckin / Math.max(1, lat.length);
const authHow = values['auth-cache'] === 'cold' ? 'credential verified on every request (cold cache, as agents checking in every ≥ 60 s meet it)' : "credential cache warm (the server's 30 s cache)";
say(`  check-ins:         ${checkinsPerS.toFixed(0)}/s sustained over ${SECONDS} s (${CONC} concurrent, ${LEAN_CLIENT}; ${authHow}), p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}, errors ${errors}`);
const genUsPerCheckin = (genCpu1.user + genCpu1.system) / Math.max(1, lat.length);
const pgUs = postgresCpuDelta(pgCpu0, pgCpu1);
const pgNote = pgUs !== null ? `, PostgreSQL's processes ${(pgUs / Math.max(1, lat.length)).toFixed(0)} µs (the machine's postgres processes alive at the end of the window, others' queries included)` : '';
say(`  server CPU:        ${usPerCheckin.toFixed(0)} µs per check-in (user + system) → one server core alone could take ~${(1e6 / usPerCheckin).toFixed(0)}/s; on the same cores the load generator spent ${genUsPerCheckin.toFixed(0)} µs per check-in${pgNote}`);
if (cpu1.lookups.lookups > cpu0.lookups.lookups) {
  const q = cpu1.lookups.queries - cpu0.lookups.queries;
  const l = cpu1.lookups.lookups - cpu0.lookups.lookups;
  say(`  credentials:       ${l} device credential lookups in ${q} queries (${(l / Math.max(1, q)).toFixed(1)} per query)`);
}
say(`  repeats:           ${touched.recorded} check-ins repeated the stored status (last_seen_at only, ${touched.batches} batched writes, ${(touched.recorded / Math.max(1, touched.batches)).toFixed(1)} per write); ${touched.missed} written in full`);

// 4. Every agent holds the push WebSocket.
let hellos = 0;
let applied = 0;
let tBan = 0;
let allApplied: () => void = () => undefined;
const done = new Promise<void>((r) => (allApplied = r));
const wsUrl = sims[0]!.client.pushUrl();
const PUSH_BUNDLES = values['push-bundles'] !== 'off';
const pinnedKeyId = keyIdOf(publicKey);
let pushedArchives = 0;
const appliedNow = (s: Sim): void => {
  s.appliedAt = performance.now() - tBan;
  if (++applied === N) allApplied();
};
/** A signed archive on the socket: verified (the sample: verified + evaluated), then "applied" answered on the same socket. */
async function onArchive(s: Sim, archive: Buffer): Promise<void> {
  pushedArchives++;
  // One SHA-256 of the bytes: the ETag is its first 40 hex digits (wire/src/bundle-etag.ts; checked below once).
  const digest = createHash('sha256').update(archive).digest('hex');
  const etag = `"${digest.slice(0, 40)}"`;
  if (pushedArchives === 1 && etag !== bundleEtag(archive)) throw new Error('bench/fleet: the ETag shortcut no longer matches wire/src/bundle-etag.ts');
  if (s.evaluates) {
    const r = await evaluateInWorker(archive, publicKey, s.client.credential ?? 'sim');
    s.cursor = r.cursor as Decision['action'] | undefined;
    s.revision = r.revision;
  } else s.revision = await verify(archive, digest);
  s.etag = etag;
  s.ws?.send(JSON.stringify({ type: 'applied', etag }));
  appliedNow(s);
}
await pool(sims, 200, (s) =>
  new Promise<void>((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${s.client.credential}` };
    if (PUSH_BUNDLES) Object.assign(headers, { [PUSH_BUNDLES_HEADER]: String(MAX_PUSHED_BUNDLE_BYTES), [PUSH_KEY_HEADER]: pinnedKeyId });
    const ws = new WebSocket(wsUrl, { headers, maxPayload: MAX_PUSHED_BUNDLE_BYTES });
    s.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        if (tBan > 0) void onArchive(s, data as Buffer).catch((e: unknown) => process.stderr.write(`  (a pushed bundle was refused: ${(e as Error).message})\n`));
        return;
      }
      const m = JSON.parse(data.toString()) as { type: string; etag: string | null };
      if (m.type === 'hello') {
        hellos++;
        resolve();
      } else if (m.type === 'bundle' && m.etag !== s.etag && tBan > 0) {
        void syncWithRetry(s).then(() => appliedNow(s));
      }
    });
    ws.once('error', reject);
  }),
);
const rssConnected = await rss();
say(`  push connections:  ${hellos}/${N}; server RSS ${mb(rssConnected.rss)}`);

// 5. IT bans a tool through the admin API; measure until every agent applied the new bundle.
const list = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;
list.rules.push({ id: `bench-${Date.now()}`, action: 'block', match: { tools: ['cursor'] } });
await serverProfile('prof-start', 'rollout');
const rolloutCpu0 = { server: await serverCpu(), bench: process.cpuUsage() };
tBan = performance.now();
const put = await axios.put(`${server}/api/v1/bans`, { list, why: 'bench: ban change' }, { headers: { authorization: `Bearer ${info.token}` }, validateStatus: () => true });
const putMs = performance.now() - tBan;
if (put.status !== 200) throw new Error(`ban change refused: ${put.status} ${JSON.stringify(put.data)}`);
const timeout = setTimeout(() => allApplied(), 300_000);
await done;
clearTimeout(timeout);
// Every agent applied it; now the server's own record: its rollout status counts the devices on the
// served bundle (recorded from the "applied" answers or the check-ins, after commit).
let onServed = 0;
for (const stop = performance.now() + 60_000; performance.now() < stop; await sleep(100)) {
  const r = await axios.get(`${server}/api/v1/rollout`, { headers: { authorization: `Bearer ${info.token}` } });
  onServed = (r.data as { devices: { on_served_bundle: number } }).devices.on_served_bundle;
  if (onServed >= N) break;
}
const recordedMs = performance.now() - tBan;
const rolloutWallS = (performance.now() - tBan) / 1000;
const rolloutServerS = ((await serverCpu()).us - rolloutCpu0.server.us) / 1e6;
const benchCpu = process.cpuUsage(rolloutCpu0.bench);
const rolloutBenchS = (benchCpu.user + benchCpu.system) / 1e6;
await serverProfile('prof-stop', 'rollout');
const apply = sims.map((s) => s.appliedAt).filter((x): x is number => x !== undefined);
const revisions = new Set(sims.map((s) => s.revision));
const rssEnd = await rss();
const sampled = sims.filter((s) => s.evaluates);
const sampleApply = sampled.map((s) => s.appliedAt).filter((x): x is number => x !== undefined);
const blocked = sampled.filter((s) => s.cursor === 'block').length;

say(`  ban change:        admin PUT /api/v1/bans answered in ${ms(putMs)} (load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores)`);
const how = PUSH_BUNDLES
  ? `the signed bundle on each agent's push socket (${pushedArchives} archives), verified, "applied" answered on the socket`
  : 'a notice on the push socket, then the bundle download and a check-in over HTTP';
say(`  rollout path:      ${how}, spread by the server over min(agents × ${info.jitter.perAgentMs} ms, ${info.jitter.maxMs / 1000} s) = ${(Math.min(N * info.jitter.perAgentMs, info.jitter.maxMs) / 1000).toFixed(1)} s; each non-sampled agent checks its archive (the full signature check once per distinct archive, then the SHA-256 of its own bytes compared with it), the sample verifies + evaluates`);
say(`  ban → applied:     ${apply.length}/${N} agents, min ${ms(Math.min(...apply))}, p50 ${ms(pct(apply, 50))}, p99 ${ms(pct(apply, 99))}, max ${ms(Math.max(...apply))} (revisions held: ${revisions.size}; failed syncs retried: ${retries}); the server's rollout status counted ${onServed}/${N} on the served bundle at ${ms(recordedMs)}`);
const usPerApplied = (rolloutServerS * 1e6) / N;
say(`  rollout CPU:       server ${rolloutServerS.toFixed(1)} s (${usPerApplied.toFixed(0)} µs per agent: ${PUSH_BUNDLES ? 'archive frame out, applied frame in, recorded' : 'notice, bundle download, check-in'} → one free server core would roll out to ${N} agents in ~${((usPerApplied * N) / 1e6).toFixed(1)} s), load generator (${N} simulated agents in this process) ${rolloutBenchS.toFixed(1)} s, over ${rolloutWallS.toFixed(1)} s on ${cpus().length} shared cores`);
say(`  evaluated sample:  ${sampled.length} agents (every ${Math.floor(N / SAMPLE)}th) verified the bundle themselves, loaded policy.wasm in opa-wasm and evaluated Claude Code + Cursor: ${blocked}/${sampled.length} decided block for Cursor; their ban → applied p50 ${ms(pct(sampleApply, 50))}, p99 ${ms(pct(sampleApply, 99))}`);
say(`  server RSS:        ${mb(rssConnected.rss)} with ${N} agents connected, peak ${mb(rssEnd.peakRss)} (plain node, compiler in a child process)`);
say(`  machine:           ${machine()}; ${loadLine()}`);
const where = `${info.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'}, ${N.toLocaleString('en-US')} agents`;
report({ name: `check-ins/s (${where})`, value: Math.round(checkinsPerS), unit: '/s', goal: { op: '>=', value: 5000 }, how: `status POSTs from ${CONC} workers for ${SECONDS} s (${LEAN_CLIENT}, ${values['auth-cache']} auth cache), load generator on the same machine` });
report({ name: `server CPU per check-in (${where})`, value: Math.round(usPerCheckin), unit: 'µs', goal: { op: '<=', value: 200 }, how: `server process CPU during the check-in window ÷ check-ins; ≤ 200 µs is what 5,000/s on one core needs` });
report({ name: `ban → applied p50 (${where})`, value: Math.round(pct(apply, 50)), unit: 'ms', goal: null, how: `admin PUT until each agent had verified the new bundle and reported it (${PUSH_BUNDLES ? 'bundle and "applied" on the push socket' : 'HTTP download + check-in'})` });
report({ name: `ban → applied p99 (${where})`, value: Math.round(pct(apply, 99)), unit: 'ms', goal: { op: '<=', value: 5000 }, how: `every agent; ${sampled.length} of them also evaluated it (${blocked} blocked Cursor)` });
report({ name: `ban → every agent recorded by the server (${where})`, value: Math.round(recordedMs), unit: 'ms', goal: null, how: "admin PUT until the server's rollout status (GET /api/v1/rollout, polled every 100 ms) counted every device on the served bundle" });
report({ name: `server CPU per agent in the rollout (${where})`, value: Math.round(usPerApplied), unit: 'µs', goal: { op: '<=', value: 500 }, how: `server process CPU from the ban change until its rollout status counted every agent ÷ agents (${PUSH_BUNDLES ? 'archive frame + applied frame + batched write' : 'notice + bundle download + check-in'}); ≤ 500 µs is what 10,000 agents in 5 s on one core needs` });
report({ name: `ban → applied p99, evaluating agents (${where})`, value: Math.round(pct(sampleApply, 99)), unit: 'ms', goal: { op: '<=', value: 5000 }, how: `${sampled.length} agents: own signature check + opa-wasm load + evaluate` });
report({ name: `server RSS peak (${where})`, value: Math.round(rssEnd.peakRss / 1024 / 1024), unit: 'MB', goal: { op: '<=', value: 300 }, how: 'server process alone (plain node bundle), sampled every 200 ms' });

for (const s of sims) s.ws?.terminate();
await Promise.all(evaluators.map((w) => w.terminate()));
child.send({ cmd: 'stop' });
await new Promise((r) => child.once('exit', r));
httpAgent.destroy();
await leanHttp.close();
rmSync(dir, { recursive: true, force: true });
process.exit(apply.length === N && blocked === sampled.length && onServed === N ? 0 : 1);
