// Footprint of the real agent (`warden-agent run`, as the service unit starts it) with its process
// watch ON, against a real warden server on loopback serving the compiled, signed policy.
//
// The agent scans a demo root (so enforcement acts only on this bench's temp folder) and runs with
// --watch, which turns the process watch on for that root: it polls this machine's real process
// table and kills processes running the banned installs found under the root. The ban list blocks
// gemini-cli (a `block`: the install stays, the watch keeps it from running) and quarantines
// claude-code. The bench proves the watch is on by starting the banned tool itself (a node script
// inside the banned install) and timing until the agent kills it.
//
// `warden-agent run` is a small resident daemon (agent/src/sync/daemon.ts: watch, schedule, push);
// each cycle — fetch + verify the bundle, scan, evaluate, enforce, report — runs in a short-lived
// child process. Measured:
//   - idle RSS: the daemon's VmRSS between cycles, watch on (goal ≤ 50 MB, issue 17);
//   - idle CPU: the daemon's CPU time (utime + stime, /proc/PID/stat) over an idle window, watch on
//     polling every 500 ms, as % of one core (goal ~0: ≤ 0.5 %);
//   - cycle peak RSS: the cycle child's peak RSS (maxRSS, reported by the child) and wall time (spawn
//     to exit, from the daemon's log) of the cycle a pushed ban change causes; also end to end from
//     the change until the server holds the agent's report of the new revision;
//   - for comparison: node alone, and the daemon bundle and the full agent bundle loaded, idle.
// Compared (--variants): the bundled plain-node agent (build/warden-*.mjs, rebuilt first) and the
// tsx + TypeScript sources fallback.
// Usage: node --import tsx bench/agent-idle.ts [--idle-seconds 8] [--cpu-seconds 60] [--variants bundled,source] [--flags '--lite-mode']
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDemoRoot } from '../agent/src/demo-root.ts';
import { NODE_FLAGS } from '../agent/src/service/definitions.ts';
import { MALLOC_ENV } from '../agent/src/service/malloc-env.ts';
import { DAEMON_ONLY_FLAGS } from '../agent/src/sync/daemon.ts';
import { compilerBundle, defaultPolicySources } from '../server/src/bundle-compile.ts';
import { compileSources } from '../server/src/policy/fleet-policy.ts';
import type { BanList } from '../wire/src/banlist.ts';
import { applyBanList, eventually, startServer, tempDir } from '../test/sync/helpers.ts';
import { loadLine, machine, report } from './machine.ts';

const { values } = parseArgs({
  options: {
    'idle-seconds': { type: 'string', default: '8' },
    'cpu-seconds': { type: 'string', default: '60' },
    variants: { type: 'string', default: 'bundled,source' },
    flags: { type: 'string', default: '' },
  },
});
const VARIANTS = values.variants.split(',');
/** Extra V8 flags to try on top of the service's (e.g. --flags=--lite-mode). */
const EXTRA_FLAGS = values.flags ? values.flags.split(' ') : [];
const IDLE_MS = Number(values['idle-seconds']) * 1000;
const CPU_MS = Number(values['cpu-seconds']) * 1000;
const statusMb = (pid: number, field: 'VmRSS' | 'VmHWM'): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const rssMb = (pid: number): number => statusMb(pid, 'VmRSS');
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}
/**
 * A process's resident memory by kind: /proc/PID/status (anonymous, file-backed, shared) and, from
 * /proc/PID/smaps, how much of the file-backed part is the node executable and of the anonymous part
 * malloc's heap.
 */
function rssByKind(pid: number): string {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (f: string) => Number(new RegExp(`${f}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
  let exe = 0;
  let brk = 0;
  let cur = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) cur = m[1] ?? '';
    else if (line.startsWith('Rss:')) {
      const v = Number(/(\d+)/.exec(line)?.[1] ?? 0);
      if (cur === process.execPath || cur.endsWith('/node')) exe += v;
      else if (cur === '[heap]') brk += v;
    }
  }
  const mb = (k: number) => (k / 1024).toFixed(1);
  const exact = Number(/^Rss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN);
  return `VmRSS ${mb(kb('VmRSS'))}, smaps_rollup Rss ${mb(exact)}: file-backed ${mb(kb('RssFile'))} (the node executable's pages ${mb(exe)}), anonymous ${mb(kb('RssAnon'))} (malloc's heap ${mb(brk)}; the rest V8's heap, stacks, mmapped malloc), shared ${mb(kb('RssShmem'))}`;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** RSS of `node [flags] -e script` 3 s after start. */
async function nodeRss(flags: string[], script: string): Promise<number> {
  const c = spawn(process.execPath, [...flags, '--input-type=module', '-e', script], { stdio: 'ignore', env: { ...process.env, ...MALLOC_ENV } });
  await sleep(3000);
  const mb = rssMb(c.pid!);
  c.kill();
  await new Promise((r) => c.once('exit', r));
  return mb;
}
const say = (s: string): void => void process.stdout.write(`${s}\n`);

const b = spawnSync(process.execPath, ['scripts/build-agent.js'], { encoding: 'utf8' });
if (b.status !== 0) throw new Error(`agent bundle build failed: ${b.stderr}`);
say(b.stdout.trim());

// Compiled here first (not lazily by the server) so a policy that does not compile fails loudly.
const sources = defaultPolicySources();
const tc = performance.now();
const wasm = await compileSources(sources); // in a child process, as the server does
say(`policy compiled in ${(performance.now() - tc).toFixed(0)} ms (${wasm.length} bytes of WASM)`);

const banList = (extra: BanList['rules'] = []): BanList => {
  const list = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;
  list.rules.push({ id: 'bench-block-gemini', action: 'block', match: { tools: ['gemini-cli'] } }, ...extra);
  return list;
};

/** JSON log lines of the agent (daemon and cycle children share stderr). */
type LogLine = { msg?: string; trigger?: string; wall_ms?: number; peak_rss_mb?: number | null; cpu_ms?: number | null; watch_targets?: number | null; pid?: number };

/** Writes the process's getrusage at exit (user + system CPU ms, maxRSS MB) as a last stderr line. */
const RUSAGE_AT_EXIT = `data:text/javascript,${encodeURIComponent("process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\nrusage ' + JSON.stringify({ cpu_ms: (u.userCPUTime + u.systemCPUTime) / 1000, max_rss_mb: u.maxRSS / 1024 }) + '\\n'); });")}`;
/** CPU ms and peak RSS of `node [flags] [args]` from start to exit, median of n runs (one at a time). */
function startCost(flags: string[], args: string[], n = 7): { cpuMs: number; rssMb: number } {
  const runs: { cpu_ms: number; max_rss_mb: number }[] = [];
  for (let i = 0; i < n; i++) {
    const r = spawnSync(process.execPath, [...flags, '--import', RUSAGE_AT_EXIT, ...args], { encoding: 'utf8', env: { ...process.env, ...MALLOC_ENV } });
    const line = /rusage (\{.*\})/.exec(r.stderr)?.[1];
    if (!line) throw new Error(`no rusage from node ${args.join(' ')}: ${r.stderr}`);
    runs.push(JSON.parse(line) as { cpu_ms: number; max_rss_mb: number });
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { cpuMs: med(runs.map((x) => x.cpu_ms)), rssMb: med(runs.map((x) => x.max_rss_mb)) };
}

const t = tempDir('bench-agent-idle');
let cycleCpuMs: number | null = null;
const server = await startServer({ dataDir: join(t.dir, 'server'), compile: compilerBundle(sources, async () => wasm) });
try {
  await applyBanList(server, banList());
  const bundle = await eventually(async () => server.dist.bundles.current()?.revision.startsWith('1.') && server.dist.bundles.current(), 'compiled bundle', 300_000);
  say(`server on ${server.url} serves signed bundle ${bundle.revision}`);
  const all: Record<string, [string, NodeJS.ProcessEnv]> = {
    bundled: ['bundled build/warden-agentd.mjs (daemon) + build/warden-agent.mjs (cycle), plain node', {}],
    source: ['tsx + TypeScript sources (WARDEN_AGENT_FROM_SOURCE=1)', { WARDEN_AGENT_FROM_SOURCE: '1' }],
  };
  const modes = VARIANTS.map((v) => all[v] ?? (() => { throw new Error(`unknown variant '${v}' (bundled, source)`); })());
  for (const [i, [label, env]] of modes.entries()) {
    const root = join(t.dir, `root${i}`);
    mkdirSync(root);
    createDemoRoot(root, 'linux');
    // The banned (blocked) install gets a runnable entry point: the bench starts it later.
    const gemini = join(root, 'home/carol/.nvm/versions/node/v22.11.0/lib/node_modules/@google/gemini-cli');
    writeFileSync(join(gemini, 'cli.js'), "process.stdout.write('up\\n'); setInterval(() => {}, 1000);\n");
    const flags = [...NODE_FLAGS, ...EXTRA_FLAGS];
    const args = [...flags, 'bin/warden-agent.js', 'run', '--server', server.url, '--state', join(t.dir, `state${i}`), '--root', root, '--os', 'linux', '--cron', '0 0 1 1 *', '--watch'];
    // The environment of the systemd unit (agent/src/service/definitions.ts): the malloc setting.
    const child = spawn(process.execPath, args, { env: { ...process.env, ...MALLOC_ENV, ...env, WARDEN_ENROLL_SECRET: server.enrollSecret }, stdio: ['ignore', 'ignore', 'pipe'] });
    let logs = '';
    const lines: LogLine[] = [];
    child.stderr.on('data', (c: Buffer) => {
      logs += c.toString();
      let nl: number;
      while ((nl = logs.indexOf('\n')) >= 0) {
        const l = logs.slice(0, nl);
        logs = logs.slice(nl + 1);
        try {
          lines.push(JSON.parse(l) as LogLine);
        } catch {
          lines.push({ msg: l });
        }
      }
    });
    let tool: ChildProcess | null = null;
    try {
      const t0 = performance.now();
      await eventually(async () => (await server.store.listDevices()).length === i + 1 && (await server.store.listDevices()).every((d) => d.bundleRevision === bundle.revision), 'the agent reports the applied revision', 120_000);
      const first = await eventually(async () => lines.find((l) => l.msg === 'cycle done' && (l.watch_targets ?? 0) > 0), 'a cycle that gave the watch its targets', 60_000);
      const ready = performance.now() - t0;
      say(`\n[${label}]  node ${flags.join(' ')} bin/warden-agent.js run … --root <demo root> --watch`);
      say(`enrolled + bundle applied + demo root scanned/enforced + reported in ${ready.toFixed(0)} ms (first cycle: child ${first.wall_ms} ms, peak RSS ${first.peak_rss_mb} MB; ${first.watch_targets} watch targets)`);

      // The watch is on: the bench starts the blocked tool and times until the agent kills it.
      const tk = performance.now();
      tool = spawn(process.execPath, [join(gemini, 'cli.js')], { stdio: ['ignore', 'pipe', 'ignore'] });
      const [, sig] = (await Promise.race([new Promise((r) => tool!.once('exit', (c, s) => r([c, s]))), sleep(15_000).then(() => [null, 'none'])])) as [number | null, string | null];
      const killMs = performance.now() - tk;
      if (sig === 'none') throw new Error('the watch did not kill the blocked tool within 15 s: is it on?');
      say(`process watch: the blocked tool the bench started (pid ${tool.pid}) ended by ${sig} ${killMs.toFixed(0)} ms after its start`);
      tool = null;

      const samples: number[] = [];
      for (let s = 0; s < IDLE_MS; s += 500) {
        await sleep(500);
        samples.push(rssMb(child.pid!));
      }
      say(`idle RSS (watch on) over ${IDLE_MS / 1000} s: last ${samples.at(-1)!.toFixed(1)} MB, min ${Math.min(...samples).toFixed(1)} MB, max ${Math.max(...samples).toFixed(1)} MB   (goal ≤ 50 MB)`);
      const cycles0 = lines.filter((l) => l.msg === 'cycle done' || l.msg === 'cycle failed' || l.msg === 'cycle incomplete; will retry').length;
      const c0 = cpuSeconds(child.pid!);
      const w0 = performance.now();
      // RSS sampled through the idle minute too (reading /proc costs this process, not the agent's).
      for (let s = 0; s < CPU_MS; s += 1000) {
        await sleep(1000);
        samples.push(rssMb(child.pid!));
      }
      const cpuPct = ((cpuSeconds(child.pid!) - c0) / ((performance.now() - w0) / 1000)) * 100;
      const cyclesIn = lines.filter((l) => l.msg === 'cycle done' || l.msg === 'cycle failed' || l.msg === 'cycle incomplete; will retry').length - cycles0;
      const sorted = [...samples].sort((x, y) => x - y);
      say(`where the idle daemon's RSS is (MB): ${rssByKind(child.pid!)}`);
      say(`idle RSS (watch on) over ${(IDLE_MS + CPU_MS) / 1000} s, ${samples.length} samples: median ${sorted[sorted.length >> 1]!.toFixed(1)} MB, max ${sorted.at(-1)!.toFixed(1)} MB   (goal ≤ 50 MB)`);
      say(`idle samples (MB): ${samples.map((x) => x.toFixed(1)).join(" ")}; now ${rssByKind(child.pid!)}`);
      say(`idle CPU (watch on, polling) over ${CPU_MS / 1000} s: ${cpuPct.toFixed(3)} % of one core${cyclesIn ? ` (${cyclesIn} cycles ran meanwhile!)` : ', no cycle ran'}   (goal ≤ 0.5 %); ${loadLine()}`);

      // A pushed ban change: one whole cycle in a child.
      const before = lines.length;
      const tc2 = performance.now();
      await applyBanList(server, banList([{ id: `bench-cycle-${i}`, action: 'block', match: { tools: ['cursor'] } }]));
      const next = await eventually(async () => server.dist.bundles.current()?.revision !== bundle.revision && server.dist.bundles.current(), 'the new bundle', 120_000);
      await eventually(async () => (await server.store.listDevices()).at(-1)?.bundleRevision === next.revision, 'the agent reports the new revision', 120_000);
      const e2eMs = performance.now() - tc2;
      const cyc = await eventually(async () => lines.slice(before).find((l) => l.msg === 'cycle done' && l.trigger?.startsWith('push')), 'the pushed cycle logged', 30_000);
      await sleep(IDLE_MS);
      const after = rssMb(child.pid!);
      const idleMax = Math.max(...samples, after);
      const daemonPeak = statusMb(child.pid!, 'VmHWM');
      say(`ban change → pushed → cycle child (fetch, verify, scan, evaluate, enforce, report): ${cyc.wall_ms} ms, child peak RSS ${cyc.peak_rss_mb} MB, child CPU ${cyc.cpu_ms} ms; change to report on the server ${e2eMs.toFixed(0)} ms (includes the server's build); daemon idle ${IDLE_MS / 1000} s later ${after.toFixed(1)} MB (daemon's own peak ${daemonPeak.toFixed(1)} MB); ${loadLine()}`);
      if (label.startsWith('bundled')) {
        report({ name: 'agent idle RSS (watch on, max over the idle minute)', value: Math.round(idleMax * 10) / 10, unit: 'MB', goal: { op: '<=', value: 50 }, how: 'highest VmRSS of the `warden-agent run` daemon sampled between cycles (after 1 and 2 cycles), process watch on (--watch on a demo root; it kills a tool the bench starts)' });
        report({ name: 'agent idle CPU (watch on)', value: Math.round(cpuPct * 1000) / 1000, unit: '%', goal: { op: '<=', value: 0.5 }, how: `daemon utime+stime over ${CPU_MS / 1000} s idle, watch polling /proc every 500 ms, % of one core` });
        report({ name: 'agent cycle peak RSS', value: Math.round(cyc.peak_rss_mb ?? NaN), unit: 'MB', goal: null, how: 'maxRSS of the cycle child on a pushed ban change (exits after the cycle)' });
        report({ name: 'agent cycle wall time', value: Math.round(cyc.wall_ms ?? NaN), unit: 'ms', goal: null, how: 'cycle child spawn → exit: fetch + verify + scan + evaluate + enforce + report' });
        cycleCpuMs = cyc.cpu_ms ?? null;
      }
    } catch (e) {
      say(`[${label}] failed: ${(e as Error).message}\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
      process.exitCode = 1;
    } finally {
      if (tool && tool.exitCode === null && tool.signalCode === null) tool.kill('SIGKILL');
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  // What starting a process per cycle costs: a cycle child that does nothing (node starts, loads the
  // agent bundle, prints its usage, exits) against node alone and against the whole cycle above.
  const cycleFlags = [...NODE_FLAGS, ...EXTRA_FLAGS].filter((f) => !DAEMON_ONLY_FLAGS.includes(f));
  const bareStart = startCost(cycleFlags, ['-e', '0']);
  const idleChild = startCost(cycleFlags, ['build/warden-agent.mjs', '--help']);
  const every = 5; // minutes: the default check-in schedule '*/5 * * * *' (wire/src/config.ts)
  say(
    `\nCPU of a process per cycle (${cycleFlags.join(' ')}, ${Object.entries(MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ')}; median of 7, one at a time): ` +
      `node alone starting and exiting ${bareStart.cpuMs.toFixed(0)} ms (${bareStart.rssMb.toFixed(1)} MB peak); a cycle child that does nothing (loads build/warden-agent.mjs, exits) ${idleChild.cpuMs.toFixed(0)} ms (${idleChild.rssMb.toFixed(1)} MB peak)` +
      (cycleCpuMs !== null ? `; the pushed cycle above ${cycleCpuMs} ms, so starting the child is ${((idleChild.cpuMs / cycleCpuMs) * 100).toFixed(0)} % of a cycle's CPU` : '') +
      `; at one cycle every ${every} min the start costs ${((idleChild.cpuMs / (every * 60_000)) * 100).toFixed(3)} % of one core on average`,
  );
  report({ name: 'agent cycle child start CPU (does nothing)', value: Math.round(idleChild.cpuMs), unit: 'ms', goal: null, how: `user+system CPU of node starting with the cycle's flags, loading build/warden-agent.mjs and exiting (median of 7); node alone: ${bareStart.cpuMs.toFixed(0)} ms; ÷ ${every} min (default schedule) = ${((idleChild.cpuMs / (every * 60_000)) * 100).toFixed(3)} % of a core` });
  if (cycleCpuMs !== null) report({ name: 'agent cycle CPU', value: cycleCpuMs, unit: 'ms', goal: null, how: 'user+system CPU of the cycle child on a pushed ban change, from its start to the result (getrusage in the child)' });
  // Where idle RSS goes: node itself, the daemon's code loaded, and the whole agent's code loaded.
  const flags = [...NODE_FLAGS, ...EXTRA_FLAGS];
  const bare = await nodeRss(flags, 'setInterval(() => {}, 1e6)');
  const daemonCode = await nodeRss(flags, "process.argv.push('--help'); await import('./build/warden-agentd.mjs').catch(() => {}); setInterval(() => {}, 1e6)");
  const code = await nodeRss(flags, "process.argv.push('--help'); await import('./build/warden-agent.mjs').catch(() => {}); setInterval(() => {}, 1e6)");
  say(`\nfor comparison: node alone ${bare.toFixed(1)} MB; + the daemon bundle's code loaded ${daemonCode.toFixed(1)} MB; + the full agent bundle's code loaded (no cycle) ${code.toFixed(1)} MB`);
  say(`machine: ${machine()}; ${loadLine()}`);
} finally {
  await server.close();
  t.cleanup();
}
