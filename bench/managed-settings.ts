// Cost of proof of force per agent cycle: with every managed file of the "allowed under rules"
// example written (Claude x2, Codex, Gemini, Copilot, VS Code policy), each later cycle reads every
// file back, compares it with what warden wrote and writes nothing; the bypass checks look for
// stale locations and unmanaged copies for each finding and read /proc/<pid>/environ (names only)
// of running tool processes. Goal: well under 50 ms per cycle for the configure stage and under
// 10 ms for the bypass checks with 20 running processes (the cycle runs every few minutes).
// Usage: node --import tsx bench/managed-settings.ts [--cycles 200]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BanList } from '../wire/src/banlist.ts';
import { validate } from '../wire/src/validate.ts';
import { enforceDecisions } from '../agent/src/enforce/enforce.ts';
import { configureStage } from '../agent/src/enforce/configure-step.ts';
import { enforceState } from '../agent/src/enforce/state.ts';
import { detectBypasses } from '../agent/src/inventory/bypass.ts';
import { loadManagedSettings } from '../agent/src/catalog/managed-settings.ts';
import { readStat } from '../agent/src/process/linux.ts';
import { decision, finding, inventory, npmInstall, tempRoot } from '../test/enforce/fixtures.ts';
import { loadLine, machine, report } from './machine.ts';

const { values } = parseArgs({ options: { cycles: { type: 'string', default: '200' } } });
const CYCLES = Number(values.cycles);
const say = (s: string): void => void process.stdout.write(`${s}\n`);
const list = validate(BanList, JSON.parse(readFileSync(join(import.meta.dirname, '..', 'policies', 'examples', 'allowed-under-rules.json'), 'utf8')) as unknown, 'example');
const data = loadManagedSettings();
const t = tempRoot('bench-managed');
const children: ReturnType<typeof spawn>[] = [];
try {
  const install = npmInstall(t.root, 'x', 'x');
  for (let i = 0; i < 20; i++) {
    const c = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1e6)'], { env: { PATH: process.env.PATH ?? '', ANTHROPIC_BASE_URL: 'x' }, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(c);
    await once(c.stdout!, 'data');
  }
  const running = children.map((c) => ({ pid: c.pid!, name: 'node', matched: process.execPath, start: readStat(c.pid!)!.start }));
  const findings = [];
  const decisions = [];
  for (const rule of list.rules.filter((r) => r.action === 'configure'))
    for (const tool of rule.match.tools ?? []) {
      const f = finding(tool, tool, install, tool === 'claude-code' ? running : []);
      findings.push(f);
      decisions.push(decision(f, 'configure', { rule: rule.id, settings: rule.settings ?? null }));
    }
  const inv = inventory(t.root, findings);
  const opts = { stateDir: t.state, root: t.root, os: 'linux' as const, bundleRevision: 'r' };
  let t0 = performance.now();
  await enforceDecisions(decisions, inv, opts);
  say(`first cycle (writes ${decisions.length} decisions into 6 files): ${(performance.now() - t0).toFixed(1)} ms`);
  // The configure stage alone (what this feature adds to a cycle), then the whole enforcement cycle.
  const state = enforceState(t.state);
  const reports = decisions.map((d) => ({ finding: d.finding, tool: d.tool, steps: [] as string[], events: [] }));
  let events = 0;
  t0 = performance.now();
  for (let i = 0; i < CYCLES; i++) configureStage(decisions, reports, state, { root: t.root, os: 'linux', bundleRevision: 'r', dryRun: false, data }, () => { events++; return {} as never; });
  const stageMs = (performance.now() - t0) / CYCLES;
  say(`configure stage, later cycles (read back 6 files, compare, write nothing): ${stageMs.toFixed(2)} ms per cycle (goal < 50 ms), ${events} events`);
  t0 = performance.now();
  for (let i = 0; i < 20; i++) await enforceDecisions(decisions, inv, opts);
  say(`whole enforcement cycle for comparison: ${((performance.now() - t0) / 20).toFixed(1)} ms`);
  t0 = performance.now();
  let seen = 0;
  for (let i = 0; i < CYCLES; i++) seen = detectBypasses(inv, { root: t.root, os: 'linux', data }).flat().length;
  const bypassMs = (performance.now() - t0) / CYCLES;
  say(`bypass checks, ${findings.length} findings, ${running.length} running processes: ${bypassMs.toFixed(2)} ms per cycle (goal < 10 ms), ${seen} signal(s)`);
  say(`${machine()}; ${loadLine()}`);
  report({ name: 'proof of force: configure stage per cycle (6 managed files read back)', value: Number(stageMs.toFixed(2)), unit: 'ms', goal: { op: '<=', value: 50 }, how: `mean of ${CYCLES} cycles writing nothing` });
  report({ name: 'bypass checks per cycle (5 findings, 20 running processes)', value: Number(bypassMs.toFixed(2)), unit: 'ms', goal: { op: '<=', value: 10 }, how: `mean of ${CYCLES} cycles; environ names only` });
} finally {
  for (const c of children) c.kill('SIGKILL');
  t.cleanup();
}
