// The emitted module in the unmodified SDK: loadPolicy and loadPolicySync, setData, falsy inputs,
// memory growth for large input and data, a constant pool too big for the SDK's 5 pages (passive
// segment + start function), heap reuse across evaluations, and the ABI surface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { IR, L, results } from './ir-builder.ts';
import type * as ir from '../../../compiler/src/ir/types.ts';

interface WasmModuleApi {
  Module: { new (b: Uint8Array): unknown; exports(m: unknown): { name: string; kind: string }[]; imports(m: unknown): { module: string; name: string; kind: string }[] };
}
const WA = (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly;

function dataPolicy(): IR {
  const b = new IR();
  // result = data.x[input.k], or "undef" when input is undefined
  b.plan('t/lookup', [
    { type: 'DotStmt', source: L(1), key: b.s('x'), target: 2 },
    { type: 'DotStmt', source: L(0), key: b.s('k'), target: 3 },
    { type: 'DotStmt', source: L(2), key: L(3), target: 4 },
    ...b.result(4),
  ]);
  b.plan('t/undef', [
    { type: 'IsUndefinedStmt', source: 0 },
    { type: 'AssignVarStmt', source: b.s('undef'), target: 5 },
    ...b.result(5),
  ]);
  b.plan('t/count', [
    { type: 'DotStmt', source: L(0), key: b.s('items'), target: 6 },
    { type: 'CallStmt', func: 'count', args: [L(6)], result: 7 },
    ...b.result(7),
  ]);
  return b;
}

test('loadPolicy and loadPolicySync both load; setData replaces data; falsy inputs are undefined input', async () => {
  for (const load of ['load', 'loadSync'] as const) {
    const p = await dataPolicy()[load]();
    assert.deepEqual(results(p.evaluate({ k: 'a' })), [], `${load}: empty data`);
    p.setData({ x: { a: 1, b: [true] } });
    assert.deepEqual(results(p.evaluate({ k: 'a' })), [1]);
    assert.deepEqual(results(p.evaluate({ k: 'b' })), [[true]]);
    p.setData({ x: { a: 'replaced' } });
    assert.deepEqual(results(p.evaluate({ k: 'a' })), ['replaced']);
    assert.deepEqual(results(p.evaluate({ k: 'b' })), []);
    for (const falsy of [undefined, null, false, 0, '']) {
      assert.deepEqual(results(p.evaluate(falsy, 't/undef')), ['undef'], `${load}: ${String(falsy)}`);
    }
    assert.deepEqual(results(p.evaluate({}, 't/undef')), []);
  }
});

test('large input and large data grow memory; the heap is reused across evaluations', async () => {
  const p = await dataPolicy().load();
  const items = Array.from({ length: 50_000 }, (_, i) => ({ id: i, name: `tool-${i}`, tags: ['a', 'b'] }));
  assert.deepEqual(results(p.evaluate({ items }, 't/count')), [50_000]);
  const x = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key${i}`, { v: i, s: 'x'.repeat(20) }]));
  p.setData({ x });
  assert.deepEqual(results(p.evaluate({ k: 'key19999' })), [{ v: 19999, s: 'x'.repeat(20) }]);
  const mem = p.mem as unknown as { buffer: ArrayBuffer };
  const before = mem.buffer.byteLength;
  for (let i = 0; i < 1000; i++) p.evaluate({ k: `key${i}` });
  assert.equal(mem.buffer.byteLength, before, 'no growth across repeated evaluations');
  assert.deepEqual(results(p.evaluate({ k: 'key7' })), [{ v: 7, s: 'x'.repeat(20) }]);
});

test('a constant pool beyond the SDK\'s 5 pages loads through a passive segment', async () => {
  const b = new IR();
  // A 12,000-entry ban list built from string constants (~600 KB of constants).
  const stmts: ir.Stmt[] = [{ type: 'MakeSetStmt', target: 2 }];
  for (let i = 0; i < 12_000; i++) stmts.push({ type: 'SetAddStmt', value: b.s(`banned-tool-${String(i).padStart(5, '0')}-${'z'.repeat(24)}`), set: 2 });
  stmts.push(
    { type: 'DotStmt', source: L(0), key: b.s('tool'), target: 3 },
    { type: 'CallStmt', func: 'internal.member_2', args: [L(3), L(2)], result: 4 },
    ...b.result(4),
  );
  b.plan('t/ban', stmts);
  const wasm = await b.wasm();
  for (const p of [await b.load(), await b.loadSync()]) {
    assert.deepEqual(results(p.evaluate({ tool: `banned-tool-11999-${'z'.repeat(24)}` })), [true]);
    assert.deepEqual(results(p.evaluate({ tool: 'cursor' })), [false]);
    p.setData({ big: 'x'.repeat(100_000) });
    assert.deepEqual(results(p.evaluate({ tool: `banned-tool-00000-${'z'.repeat(24)}` })), [true], 'constants survive setData');
  }
  assert.ok(wasm.length > 5 * 65536, `module holds the constants (${wasm.length} B)`);
});

test('ABI surface: OPA exports only, imports only env.memory/opa_abort (+ builtins used)', async () => {
  const b = dataPolicy();
  const wasm = await b.wasm();
  const mod = new WA.Module(wasm);
  const exports = WA.Module.exports(mod).map((e) => e.name).sort();
  for (const name of ['opa_eval', 'opa_malloc', 'opa_free', 'opa_heap_ptr_get', 'opa_heap_ptr_set', 'opa_json_parse', 'opa_json_dump',
    'opa_value_parse', 'opa_value_dump', 'builtins', 'entrypoints', 'eval', 'opa_eval_ctx_new', 'opa_wasm_abi_version',
    'opa_wasm_abi_minor_version', 'memory']) {
    assert.ok(exports.includes(name), `export ${name}`);
  }
  assert.ok(!exports.some((e) => e.startsWith('opa_builtin_') || e === 'opa_rt_heap_ptr' || e === 'rt_abort'), `no helper exports: ${exports.join(',')}`);
  const imports = WA.Module.imports(mod).map((i) => `${i.module}.${i.name}`).sort();
  assert.deepEqual(imports, ['env.memory', 'env.opa_abort']);
});

test('the slow path (ABI minor < 2: eval ctx) gives the same results', async () => {
  const p = await dataPolicy().load();
  p.setData({ x: { a: 1 } });
  const policy = p as unknown as { minorVersion: number; evaluate(i: unknown, e?: string): unknown };
  policy.minorVersion = 1;
  assert.deepEqual(results(policy.evaluate({ k: 'a' })), [1]);
  assert.deepEqual(results(policy.evaluate(undefined, 't/undef')), ['undef']);
});

test('an SDK builtin\'s runtime guard answers first: yaml.is_valid of a non-string is false (OPA), the SDK judges strings', async () => {
  const b = new IR();
  b.plan('y/valid', [
    { type: 'DotStmt', source: L(0), key: b.s('v'), target: 2 },
    { type: 'CallStmt', func: 'yaml.is_valid', args: [L(2)], result: 3 },
    ...b.result(3),
  ]);
  const p = await b.load();
  assert.deepEqual(results(p.evaluate({ v: 1 })), [false]);
  assert.deepEqual(results(p.evaluate({ v: ['a: 1'] })), [false]);
  assert.deepEqual(results(p.evaluate({ v: 'a: 1' })), [true]);
  assert.deepEqual(results(p.evaluate({ v: '[1, 2' })), [false]);
});

test('time.now_ns is the host\'s first answer for the whole evaluation, asked again on the next (OPA pins it per query)', async () => {
  const b = new IR();
  // result = [time.now_ns(), time.now_ns()]
  b.plan('n/twice', [
    { type: 'CallStmt', func: 'time.now_ns', args: [], result: 2 },
    { type: 'CallStmt', func: 'time.now_ns', args: [], result: 3 },
    { type: 'MakeArrayStmt', capacity: 2, target: 4 },
    { type: 'ArrayAppendStmt', value: L(2), array: 4 },
    { type: 'ArrayAppendStmt', value: L(3), array: 4 },
    ...b.result(4),
  ]);
  let calls = 0;
  const p = await loadPolicy(await b.wasm({ externalBuiltins: ['time.now_ns'] }), undefined, { 'time.now_ns': () => ++calls * 1000 });
  assert.deepEqual(results(p.evaluate({})), [[1000, 1000]]);
  assert.equal(calls, 1);
  assert.deepEqual(results(p.evaluate({})), [[2000, 2000]]);
  assert.equal(calls, 2);
});
