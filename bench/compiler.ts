// Compiler figures (issue 4): compile time of policies/ warm (in a running process) and cold (a
// fresh `warden policy build` CLI process), size of the produced policy.wasm and of the fleet
// bundle (.tar.gz, what a ban change pushes to every agent: issue 17), and evaluate()
// latency p50/p99 over N calls in the unmodified opa-wasm SDK — a realistic decision (the fleet
// policy, the example ban list, one device with 10 findings) and the same policy with a 1,000-rule
// ban list. Each timed decision is one where a ban rule matches (checked before timing: the rule
// named in the decision), not only the default.
// Run: npx tsx bench/compiler.ts [--calls 10000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { buildBundle, compile, formatDiagnostic } from '../compiler/src/index.ts';
import { buildPolicyInput } from '../agent/src/policy/input.ts';
import { banList, inventory50 } from './fixtures.ts';
import { loadLine, report } from './machine.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '10000' } } });
const CALLS = Number(values.calls);
const ENTRY = 'warden/decisions';
const line = (s: string): void => void process.stdout.write(`${s}\n`);
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

const source = readFileSync('policies/warden.rego', 'utf8');
const modules = [{ file: 'policies/warden.rego', source }];

// Warm compile: the first call loads binaryen and the runtime; later calls are what a running server pays.
const times: number[] = [];
let wasm: Uint8Array | undefined;
for (let i = 0; i < 8; i++) {
  const t = performance.now();
  const r = await compile({ modules, entrypoints: [ENTRY] });
  times.push(performance.now() - t);
  if (!r.wasm) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  wasm = r.wasm;
}
line(`compile policies/warden.rego in-process: first ${times[0]!.toFixed(0)} ms, warm p50 ${pct(times.slice(2), 50).toFixed(0)} ms (calls 3-8)`);
report({ name: 'policy compile, warm', value: Math.round(pct(times.slice(2), 50)), unit: 'ms', goal: null, how: 'compile() of policies/warden.rego in a process that compiled before (p50 of calls 3-8)' });
line(`policy.wasm: ${wasm!.length} bytes (${gzipSync(wasm!).length} gzipped)`);
// The bundle a ban change pushes to every agent (issue 17: its bytes are rollout time): what
// `warden policy build -t wasm -e warden/decisions policies/warden.rego` writes, no data.
const fleet = await buildBundle({ modules, entrypoints: [ENTRY] });
if (!fleet.bundle || !fleet.wasm) throw new Error(fleet.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
line(`fleet bundle: ${fleet.bundle.length} bytes (tar.gz; policy.wasm ${fleet.wasm.length} bytes raw)`);
report({ name: 'fleet bundle size (gzip)', value: fleet.bundle.length, unit: 'B', goal: { op: '<=', value: 32 * 1024 }, how: `bundle (.tar.gz) of policies/warden.rego, entrypoint ${ENTRY}, no data; policy.wasm ${fleet.wasm.length.toLocaleString('en-US')} B raw` });

// Cold: a fresh CLI process, as an admin runs it.
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-compiler-'));
const cold: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['bin/warden.js', 'policy', 'build', '-t', 'wasm', '-e', ENTRY, '-o', join(dir, 'b.tar.gz'), '--data', 'policies/examples/ban-claude-code.json', 'policies/warden.rego'], { encoding: 'utf8' });
  cold.push(performance.now() - t);
  if (r.status !== 0) throw new Error(r.stderr);
}
rmSync(dir, { recursive: true, force: true });
line(`cold CLI 'warden policy build' (node start + compile + bundle): ${cold.map((x) => x.toFixed(0)).join(', ')} ms`);
report({ name: 'policy compile, cold CLI', value: Math.round(pct(cold, 50)), unit: 'ms', goal: null, how: "median of 3 fresh `warden policy build` processes (node start + compile + bundle)" });

async function latency(label: string, data: unknown, findings: number, first?: string): Promise<void> {
  const policy = await loadPolicy(wasm!);
  policy.setData(data as object);
  const inv = inventory50();
  inv.findings = inv.findings.slice(0, findings);
  if (first) inv.findings[0] = { ...inv.findings[0]!, tool_id: first };
  const input = buildPolicyInput(inv, { id: 'bench', groups: ['group-3'], userGroups: { user0: ['team-0'] } }, new Date(), []);
  const decided = (policy.evaluate(input, ENTRY) as { result: { finding: string; action: string; rule: string }[] }[])[0]?.result ?? [];
  const hit = decided.find((d) => d.rule !== '' && d.rule !== null);
  if (!hit) throw new Error(`no ban rule matches in '${label}': the timed decision would only be the default`);
  for (let i = 0; i < 200; i++) policy.evaluate(input, ENTRY);
  const xs: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    policy.evaluate(input, ENTRY);
    xs.push(performance.now() - t);
  }
  line(`evaluate() ${label}: p50 ${(pct(xs, 50) * 1000).toFixed(1)} µs, p99 ${(pct(xs, 99) * 1000).toFixed(1)} µs (n=${CALLS}; rule ${hit.rule} decides ${hit.action} for ${hit.finding})`);
  report({ name: `decision p50, ${label}`, value: Number((pct(xs, 50) * 1000).toFixed(0)), unit: 'µs', goal: null, how: `opa-wasm evaluate() of the fleet policy, n=${CALLS}; rule ${hit.rule} matches` });
  report({ name: `decision p99, ${label}`, value: Number((pct(xs, 99) * 1000).toFixed(0)), unit: 'µs', goal: null, how: `opa-wasm evaluate() of the fleet policy, n=${CALLS}; rule ${hit.rule} matches` });
}

await latency('example ban list, 10 findings (Claude Code among them)', JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')), 10, 'claude-code');
await latency('1,000-rule ban list, 1 finding', banList(), 1);
line(loadLine());
