// Emitter + runtime figures: cold and warm emitWasm time, policy.wasm size, and evaluate() latency
// (p50/p99 over 10,000 calls) in the unmodified SDK, for a realistic decision over a 1,000-entry
// ban list held in data, and for the same list compiled into the policy as constants.
// Run: npx tsx bench/compiler-emit.ts
import { gzipSync } from 'node:zlib';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { emitWasm } from '../compiler/src/emit/index.ts';
import type * as ir from '../compiler/src/ir/types.ts';

const strings: string[] = [];
const s = (t: string): ir.Operand => {
  let i = strings.indexOf(t);
  if (i < 0) { i = strings.length; strings.push(t); }
  return { type: 'string_index', value: i };
};
const L = (n: number): ir.Operand => ({ type: 'local', value: n });
const BANNED = Array.from({ length: 1000 }, (_, i) => `banned-tool-${i}`);

/** decision = {allow, count, violations: [{tool, rule}]} for input.findings against `banned` (local 6). */
function decision(loadBanned: ir.Stmt[]): ir.Stmt[] {
  return [
    ...loadBanned,
    { type: 'MakeArrayStmt', capacity: 4, target: 20 },
    { type: 'DotStmt', source: L(0), key: s('findings'), target: 2 },
    { type: 'ScanStmt', source: 2, key: 3, value: 4, block: { stmts: [
      { type: 'DotStmt', source: L(4), key: s('name'), target: 5 },
      { type: 'DotStmt', source: L(6), key: L(5), target: 7 },
      { type: 'MakeObjectStmt', target: 8 },
      { type: 'ObjectInsertStmt', key: s('tool'), value: L(5), object: 8 },
      { type: 'ObjectInsertStmt', key: s('rule'), value: L(7), object: 8 },
      { type: 'ArrayAppendStmt', value: L(8), array: 20 },
    ] } },
    { type: 'CallStmt', func: 'count', args: [L(20)], result: 21 },
    { type: 'MakeNumberIntStmt', value: 0, target: 23 },
    { type: 'CallStmt', func: 'equal', args: [L(21), L(23)], result: 24 },
    { type: 'MakeObjectStmt', target: 22 },
    { type: 'ObjectInsertStmt', key: s('violations'), value: L(20), object: 22 },
    { type: 'ObjectInsertStmt', key: s('count'), value: L(21), object: 22 },
    { type: 'ObjectInsertStmt', key: s('allow'), value: L(24), object: 22 },
    { type: 'MakeObjectStmt', target: 30 },
    { type: 'ObjectInsertStmt', key: s('result'), value: L(22), object: 30 },
    { type: 'ResultSetAddStmt', value: 30 },
  ];
}

const fromData: ir.Stmt[] = [{ type: 'DotStmt', source: L(1), key: s('banned'), target: 6 }];
const constants: ir.Stmt[] = [{ type: 'MakeObjectStmt', target: 6 }];
BANNED.forEach((b, i) => constants.push({ type: 'ObjectInsertStmt', key: s(b), value: s(`rule-${i}`), object: 6 }));

const policy = (): ir.Policy => ({
  static: { strings, builtinFuncs: [{ name: 'count', arity: 1 }, { name: 'equal', arity: 2 }], files: ['bench.rego'] },
  plans: [{ name: 'warden/decision', blocks: [{ stmts: decision(fromData) }] }, { name: 'warden/decision_const', blocks: [{ stmts: decision(constants) }] }],
  funcs: [],
});

function pct(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const t0 = performance.now();
const wasm = await emitWasm(policy());
const cold = performance.now() - t0;
const warm: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  await emitWasm(policy());
  warm.push(performance.now() - t);
}
const full: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  await emitWasm(policy(), { optimize: 'full' });
  full.push(performance.now() - t);
}
console.log(`emitWasm cold (incl. binaryen load): ${cold.toFixed(0)} ms`);
console.log(`emitWasm warm: p50 ${pct(warm, 50).toFixed(1)} ms, max ${Math.max(...warm).toFixed(1)} ms (20 runs; -O3 whole module: p50 ${pct(full, 50).toFixed(0)} ms)`);
console.log(`policy.wasm: ${wasm.length} B (${gzipSync(wasm).length} B gzipped), 1,000 ban-list constants included`);

const p = await loadPolicy(wasm);
p.setData({ banned: Object.fromEntries(BANNED.map((b, i) => [b, `rule-${i}`])) });
const input = { findings: Array.from({ length: 20 }, (_, i) => ({ name: i % 10 === 0 ? `banned-tool-${i * 37}` : `ok-tool-${i}`, version: '1.2.3' })) };
const check = p.evaluate(input, 'warden/decision') as { result: { count: number } }[];
if (check[0]?.result.count !== 2) throw new Error(`unexpected decision: ${JSON.stringify(check)}`);
for (const ep of ['warden/decision', 'warden/decision_const']) {
  for (let i = 0; i < 2000; i++) p.evaluate(input, ep);
  const lat: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const t = performance.now();
    p.evaluate(input, ep);
    lat.push((performance.now() - t) * 1000);
  }
  console.log(`evaluate() ${ep} (20 findings, 1,000-entry ban list): p50 ${pct(lat, 50).toFixed(1)} µs, p99 ${pct(lat, 99).toFixed(1)} µs (10,000 calls)`);
}
