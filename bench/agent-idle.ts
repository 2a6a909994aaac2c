// Idle RSS of the real agent daemon (`warden-agent run`, as the service unit starts it) against a
// real warden server on loopback with the compiled, signed policy: once the agent has enrolled,
// applied the bundle (opa-wasm instance loaded), scanned a demo root and reported, it sits idle
// until the next check-in; its VmRSS is sampled then. Then a ban change is pushed: the agent runs a
// cycle (fetch + verify the bundle, scan, evaluate, enforce, report) whose wall time is measured
// from the change until the server holds the agent's report of the new revision, and the process's
// peak RSS (VmHWM) is read after it; idle RSS is sampled again after that cycle. Also printed: what
// node alone and the agent's code alone (loaded, no cycle run) hold, to show where idle RSS goes.
// Compared: the bundled plain-node agent (build/warden-agent.mjs, rebuilt first) and the tsx +
// TypeScript sources fallback. Goal: idle ≤ 50 MB (issue 17).
// The agent runs on a demo root, so its process watch is off (the watch only runs when the agent
// scans the real machine, where enforcement would act on this machine's real tools).
// Usage: node --import tsx bench/agent-idle.ts [--idle-seconds 8] [--variants bundled,source] [--flags '--lite-mode']
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDemoRoot } from '../agent/src/demo-root.ts';
import { NODE_FLAGS } from '../agent/src/service/definitions.ts';
import { compilerBundle, defaultPolicySources } from '../server/src/bundle-compile.ts';
import { compileSources } from '../server/src/policy/fleet-policy.ts';
import type { BanList } from '../wire/src/banlist.ts';
import { applyBanList, eventually, startServer, tempDir } from '../test/sync/helpers.ts';
import { loadLine, machine, report } from './machine.ts';

const { values } = parseArgs({ options: { 'idle-seconds': { type: 'string', default: '8' }, variants: { type: 'string', default: 'bundled,source' }, flags: { type: 'string', default: '' } } });
const VARIANTS = values.variants.split(',');
/** Extra V8 flags to try on top of the service's (e.g. --flags=--lite-mode). */
const EXTRA_FLAGS = values.flags ? values.flags.split(' ') : [];
const IDLE_MS = Number(values['idle-seconds']) * 1000;
const statusMb = (pid: number, field: 'VmRSS' | 'VmHWM'): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const rssMb = (pid: number): number => statusMb(pid, 'VmRSS');
/** RSS of `node [flags] -e script` 3 s after start. */
async function nodeRss(flags: string[], script: string): Promise<number> {
  const c = spawn(process.execPath, [...flags, '--input-type=module', '-e', script], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 3000));
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

const t = tempDir('bench-agent-idle');
const server = await startServer({ dataDir: join(t.dir, 'server'), compile: compilerBundle(sources, async () => wasm) });
try {
  await applyBanList(server, JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList);
  const bundle = await eventually(async () => server.dist.bundles.current()?.revision.startsWith('1.') && server.dist.bundles.current(), 'compiled bundle', 300_000);
  say(`server on ${server.url} serves signed bundle ${bundle.revision}`);
  const all: Record<string, [string, NodeJS.ProcessEnv]> = {
    bundled: ['bundled build/warden-agent.mjs, plain node', {}],
    source: ['tsx + TypeScript sources (WARDEN_AGENT_FROM_SOURCE=1)', { WARDEN_AGENT_FROM_SOURCE: '1' }],
  };
  const modes = VARIANTS.map((v) => all[v] ?? (() => { throw new Error(`unknown variant '${v}' (bundled, source)`); })());
  for (const [i, [label, env]] of modes.entries()) {
    const root = join(t.dir, `root${i}`);
    mkdirSync(root);
    createDemoRoot(root, 'linux');
    const flags = [...NODE_FLAGS, ...EXTRA_FLAGS];
    const args = [...flags, 'bin/warden-agent.js', 'run', '--server', server.url, '--state', join(t.dir, `state${i}`), '--root', root, '--os', 'linux', '--cron', '0 0 1 1 *'];
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env, WARDEN_ENROLL_SECRET: server.enrollSecret }, stdio: ['ignore', 'ignore', 'pipe'] });
    let logs = '';
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    try {
      const t0 = performance.now();
      await eventually(async () => (await server.store.listDevices()).length === i + 1 && (await server.store.listDevices()).every((d) => d.bundleRevision === bundle.revision), 'the agent reports the applied revision', 120_000);
      const ready = performance.now() - t0;
      const samples: number[] = [];
      for (let s = 0; s < IDLE_MS; s += 500) {
        await new Promise((r) => setTimeout(r, 500));
        samples.push(rssMb(child.pid!));
      }
      say(`\n[${label}]  node ${flags.join(' ')} bin/warden-agent.js run …`);
      say(`enrolled + bundle applied + demo root scanned/enforced + reported in ${ready.toFixed(0)} ms`);
      say(`idle RSS over ${IDLE_MS / 1000} s: last ${samples.at(-1)!.toFixed(1)} MB, min ${Math.min(...samples).toFixed(1)} MB, max ${Math.max(...samples).toFixed(1)} MB   (goal ≤ 50 MB)`);
      // A pushed ban change: one whole cycle, timed until the server has the agent's report of it.
      const list = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;
      list.rules.push({ id: `bench-cycle-${i}`, action: 'block', match: { tools: ['cursor'] } });
      const tc = performance.now();
      await applyBanList(server, list);
      const next = await eventually(async () => server.dist.bundles.current()?.revision !== bundle.revision && server.dist.bundles.current(), 'the new bundle', 120_000);
      await eventually(async () => (await server.store.listDevices()).at(-1)?.bundleRevision === next.revision, 'the agent reports the new revision', 120_000);
      const cycleMs = performance.now() - tc;
      const peak = statusMb(child.pid!, 'VmHWM');
      await new Promise((r) => setTimeout(r, IDLE_MS));
      const after = rssMb(child.pid!);
      say(`ban change → bundle built, pushed, fetched, verified, scanned, evaluated, enforced, reported: ${cycleMs.toFixed(0)} ms; process peak RSS (VmHWM) ${peak.toFixed(1)} MB; idle ${IDLE_MS / 1000} s later ${after.toFixed(1)} MB`);
      if (label.startsWith('bundled')) {
        report({ name: 'agent idle RSS (bundled, demo root, after two cycles)', value: Math.round(Math.max(after, samples.at(-1)!)), unit: 'MB', goal: { op: '<=', value: 50 }, how: 'VmRSS of `warden-agent run` between cycles (process watch off: demo root)' });
        report({ name: 'agent cycle peak RSS (bundled)', value: Math.round(peak), unit: 'MB', goal: null, how: 'VmHWM after enrollment + two cycles' });
        report({ name: 'agent cycle wall time on a pushed ban change (bundled)', value: Math.round(cycleMs), unit: 'ms', goal: null, how: 'server build + push + fetch/verify + scan + evaluate + enforce + report' });
      }
    } catch (e) {
      say(`[${label}] failed: ${(e as Error).message}\n${logs}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  // Where idle RSS goes: node itself, and the agent's code loaded without running a cycle.
  const flags = [...NODE_FLAGS, ...EXTRA_FLAGS];
  const bare = await nodeRss(flags, 'setInterval(() => {}, 1e6)');
  const code = await nodeRss(flags, "process.argv.push('--help'); await import('./build/warden-agent.mjs').catch(() => {}); setInterval(() => {}, 1e6)");
  say(`\nfor comparison: node alone ${bare.toFixed(1)} MB; node + the agent bundle's code loaded (no cycle) ${code.toFixed(1)} MB`);
  say(`machine: ${machine()}; ${loadLine()}`);
} finally {
  await server.close();
  t.cleanup();
}
