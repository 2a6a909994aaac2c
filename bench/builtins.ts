// Evaluation cost of the runtime's string/regex/glob/semver/sprintf builtins inside the unmodified
// opa-wasm SDK: a policy that checks 50 inventory items per evaluate() (regex.match, glob.match,
// semver.compare, lower, sprintf), p50/p99 over N calls.
// Usage: node --import tsx bench/builtins.ts [--calls 2000]
import { parseArgs } from 'node:util';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { planSources } from '../compiler/src/index.ts';
import { emitWasm } from '../compiler/src/emit/index.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' } } });
const CALLS = Number(values.calls);
const say = (s: string): void => void process.stdout.write(`${s}\n`);

const source = `package bench
import rego.v1

violations contains msg if {
  some tool in input.tools
  regex.match("^(claude|cursor|copilot)[-_a-z]*$", lower(tool.name))
  glob.match("/Users/*/Applications/**", ["/"], tool.path)
  semver.compare(tool.version, "2.0.0") < 0
  msg := sprintf("%s %s at %s is older than 2.0.0", [tool.name, tool.version, tool.path])
}
`;
const input = {
  tools: Array.from({ length: 50 }, (_, i) => ({
    name: ['Claude-Code', 'Cursor', 'Copilot_CLI', 'Zed'][i % 4],
    version: `1.${i}.${i % 7}`,
    path: `/Users/u${i}/Applications/tool${i}/bin`,
  })),
};

async function measure(label: string): Promise<void> {
  const planned = planSources({ modules: [{ file: 'bench.rego', source }], entrypoints: ['bench/violations'] });
  if (!planned.policy) throw new Error(planned.diagnostics.map((d) => d.message).join('; '));
  const wasm = await emitWasm(planned.policy);
  const policy = await loadPolicy(wasm);
  const first = policy.evaluate(input) as { result: string[] }[];
  const n = first[0]?.result.length ?? 0;
  for (let i = 0; i < 200; i++) policy.evaluate(input);
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = process.hrtime.bigint();
    policy.evaluate(input);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number): string => (times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0).toFixed(1);
  say(`${label}: ${n} violations/eval, p50 ${pct(0.5)} µs, p99 ${pct(0.99)} µs over ${CALLS} evaluate() calls (${wasm.length} B policy.wasm)`);
}

await measure('50 tools × (lower, regex.match, glob.match, semver.compare, sprintf)');
