// Enforcement figures (prints them; asserts nothing):
//  1. decision latency per device: policies/warden.rego compiled by warden, a 1,000-rule ban list,
//     an inventory of 50 findings → input build + validation + opa-wasm evaluate + decision checks,
//     p50/p99 over many evaluations;
//  2. time from decision to process gone: terminate a real child (SIGTERM; and one ignoring SIGTERM
//     → SIGKILL after the timeout);
//  3. time from a banned tool's launch to its kill by the process watch (default 500 ms interval);
//  4. the process watch's CPU use over a minute (real /proc of this host).
// Run: npx tsx bench/enforce.ts [--evals N] [--kills N] [--launches N] [--cpu-seconds S]
// Only processes this script starts are ever signalled; files live in a temp folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundle, formatDiagnostic } from '../compiler/src/index.ts';
import { banList, inventory50 } from './fixtures.ts';
import { loadPolicyBundle, ENTRYPOINT } from '../agent/src/policy/bundle.ts';
import { PolicyEngine } from '../agent/src/policy/evaluate.ts';
import { buildPolicyInput } from '../agent/src/policy/input.ts';
import { terminateOne } from '../agent/src/enforce/kill.ts';
import { ProcessWatch, type WatchKill } from '../agent/src/enforce/watch.ts';
import { listPids } from '../agent/src/process/linux.ts';

const { values } = parseArgs({
  options: {
    evals: { type: 'string', default: '300' },
    kills: { type: 'string', default: '20' },
    launches: { type: 'string', default: '20' },
    'cpu-seconds': { type: 'string', default: '60' },
  },
});
const EVALS = Number(values.evals);
const KILLS = Number(values.kills);
const LAUNCHES = Number(values.launches);
const CPU_SECONDS = Number(values['cpu-seconds']);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const fmt = (xs: number[], unit = 'ms', digits = 2): string =>
  `p50 ${pct(xs, 50).toFixed(digits)} ${unit}, p99 ${pct(xs, 99).toFixed(digits)} ${unit}, max ${Math.max(...xs).toFixed(digits)} ${unit} (n=${xs.length})`;
const line = (s: string): void => void process.stdout.write(`${s}\n`);

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-enforce-'));

// ---------- 1. decision latency -------------------------------------------------------------------
async function decisionLatency(): Promise<void> {
  const source = readFileSync(join(import.meta.dirname, '..', 'policies', 'warden.rego'), 'utf8');
  const t0 = performance.now();
  const built = await buildBundle({ modules: [{ file: 'policies/warden.rego', source }], entrypoints: [ENTRYPOINT], data: banList() as unknown as Record<string, unknown>, revision: 'bench' });
  if (!built.bundle) throw new Error(built.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  line(`compile policies/warden.rego + pack bundle: ${(performance.now() - t0).toFixed(0)} ms; bundle ${built.bundle.length} bytes (1,000-rule ban list in data.json)`);
  const t1 = performance.now();
  const bundle = await loadPolicyBundle(built.bundle, { allowUnsigned: true });
  const engine = await PolicyEngine.load(bundle);
  line(`agent load (unpack, validate ban list, instantiate wasm, setData): ${(performance.now() - t1).toFixed(1)} ms`);
  const inv = inventory50();
  const device = { id: 'bench-device', groups: ['group-3'], userGroups: { user0: ['team-0'], user1: ['team-1'], user2: ['team-2'] } };
  const total: number[] = [];
  const evalOnly: number[] = [];
  let actions: Record<string, number> = {};
  for (let i = 0; i < EVALS + 5; i++) {
    const a = performance.now();
    const input = buildPolicyInput(inv, device, new Date(), []);
    const b = performance.now();
    const ds = engine.evaluate(input);
    const c = performance.now();
    if (i >= 5) {
      total.push(c - a);
      evalOnly.push(c - b);
    }
    if (i === 0) actions = ds.reduce<Record<string, number>>((m, d) => ((m[d.action] = (m[d.action] ?? 0) + 1), m), {});
  }
  line(`decision latency per device (50 findings × 1,000 rules), input build + evaluate + checks: ${fmt(total)}`);
  line(`  of which opa-wasm evaluate + decision validation: ${fmt(evalOnly)}`);
  line(`  decisions: ${JSON.stringify(actions)}`);
}

// ---------- 2./3. real processes ------------------------------------------------------------------
function toolScript(name: string, ignoreTerm: boolean): string {
  const d = join(dir, 'root', 'opt', name);
  mkdirSync(d, { recursive: true });
  const p = join(d, 'cli.js');
  writeFileSync(p, `#!${process.execPath}\n${ignoreTerm ? "process.on('SIGTERM', () => {});\n" : ''}process.stdout.write('ready\\n');\nsetInterval(() => {}, 1000);\n`);
  chmodSync(p, 0o755);
  return p;
}

async function started(script: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'ignore'] });
  await once(c.stdout!, 'data');
  return c;
}

async function decisionToGone(): Promise<void> {
  const polite = toolScript('polite-tool', false);
  const stubborn = toolScript('stubborn-tool', true);
  const term: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    const c = await started(polite);
    const r = await terminateOne({ pid: c.pid! }, { recheck: () => null });
    if (r.outcome !== 'terminated') throw new Error(`unexpected ${r.outcome}`);
    term.push(r.ms);
  }
  line(`decision → process gone (SIGTERM honoured): ${fmt(term)}`);
  const kill: number[] = [];
  for (let i = 0; i < Math.max(3, Math.floor(KILLS / 4)); i++) {
    const c = await started(stubborn);
    const r = await terminateOne({ pid: c.pid! }, { termTimeoutMs: 1000, recheck: () => null });
    if (r.outcome !== 'killed') throw new Error(`unexpected ${r.outcome}`);
    kill.push(r.ms);
  }
  line(`decision → process gone (SIGTERM ignored, SIGKILL after 1,000 ms timeout): ${fmt(kill)}`);
}

async function launchToKill(): Promise<void> {
  const banned = toolScript('banned-tool', false);
  const kills: WatchKill[] = [];
  const watch = new ProcessWatch([{ tool: 'banned-tool', finding: 'banned-tool:npm:-', rule: 'bench', reason: 'bench', bundle_revision: 'bench', paths: [join(dir, 'root', 'opt', 'banned-tool')] }], {
    onKill: (k) => kills.push(k),
  });
  watch.start();
  const ms: number[] = [];
  for (let i = 0; i < LAUNCHES; i++) {
    const t0 = performance.now();
    const c = spawn(banned, [], { stdio: 'ignore' });
    await once(c, 'exit');
    ms.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, Math.random() * 300)); // launches at random phases of the poll
  }
  watch.stop();
  line(`banned tool launch → killed by the process watch (interval ${watch.intervalMs} ms): ${fmt(ms, 'ms', 0)}; within 2 s: ${ms.filter((x) => x <= 2000).length}/${ms.length}; kills recorded: ${kills.length}`);
}

async function watchCpu(): Promise<void> {
  const watch = new ProcessWatch([{ tool: 'banned-tool', finding: 'x', rule: 'bench', reason: 'bench', bundle_revision: 'bench', paths: [join(dir, 'root', 'opt', 'never-started')] }]);
  const pids = listPids().length;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  watch.start();
  await new Promise((r) => setTimeout(r, CPU_SECONDS * 1000));
  watch.stop();
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  const cpuMs = (c.user + c.system) / 1000;
  line(`process watch CPU over ${wall.toFixed(0)} s (${pids} processes on this host, ${watch.ticks} polls): ${cpuMs.toFixed(0)} ms CPU = ${((cpuMs / 10) / wall).toFixed(3)} % of one core (${(cpuMs / watch.ticks).toFixed(2)} ms per poll)`);
}

try {
  line(`bench/enforce on node ${process.version}, ${readdirSync('/proc').length ? 'linux /proc' : ''}`);
  await decisionLatency();
  if (process.platform === 'linux') {
    await decisionToGone();
    await launchToKill();
    await watchCpu();
  } else {
    line('process figures need Linux /proc: skipped');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
