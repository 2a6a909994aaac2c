// Every IR statement kind, compiled by emitWasm and evaluated in the unmodified opa-wasm SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IR, L, TRUE, FALSE, block, results } from './ir-builder.ts';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import type * as ir from '../../../compiler/src/ir/types.ts';

test('DotStmt + EqualStmt: allow only alice; missing key and undefined input are undefined', async () => {
  const b = new IR();
  b.plan('t/allow', [
    { type: 'DotStmt', source: L(0), key: b.s('user'), target: 2 },
    { type: 'EqualStmt', a: L(2), b: b.s('alice') },
    { type: 'AssignVarStmt', source: TRUE, target: 3 },
    ...b.result(3),
  ]);
  const p = await b.load();
  assert.deepEqual(results(p.evaluate({ user: 'alice' })), [true]);
  assert.deepEqual(results(p.evaluate({ user: 'bob' })), []);
  assert.deepEqual(results(p.evaluate({})), []);
  assert.deepEqual(results(p.evaluate(['alice'])), []);
  assert.deepEqual(results(p.evaluate(undefined)), []);
  assert.deepEqual(results(p.evaluate({ user: 'al\u0000ice' })), []);
});

test('NotEqualStmt, IsDefined/IsUndefined and Is{Array,Object,Set}Stmt', async () => {
  const b = new IR();
  const typeProbe = (kind: 'IsArrayStmt' | 'IsObjectStmt' | 'IsSetStmt', name: string): ir.Stmt[] => [
    { type: 'BlockStmt', blocks: [block({ type: kind, source: L(0) }, { type: 'ObjectInsertStmt', key: b.s(name), value: TRUE, object: 5 })] },
  ];
  b.plan('t/types', [
    { type: 'MakeObjectStmt', target: 5 },
    ...typeProbe('IsArrayStmt', 'array'),
    ...typeProbe('IsObjectStmt', 'object'),
    ...typeProbe('IsSetStmt', 'set'),
    { type: 'BlockStmt', blocks: [block({ type: 'NotEqualStmt', a: L(0), b: b.s('x') }, { type: 'ObjectInsertStmt', key: b.s('not_x'), value: TRUE, object: 5 })] },
    { type: 'BlockStmt', blocks: [block({ type: 'IsDefinedStmt', source: 0 }, { type: 'ObjectInsertStmt', key: b.s('defined'), value: TRUE, object: 5 })] },
    { type: 'BlockStmt', blocks: [block({ type: 'IsUndefinedStmt', source: 0 }, { type: 'ObjectInsertStmt', key: b.s('undefined'), value: TRUE, object: 5 })] },
    ...b.result(5),
  ]);
  const p = await b.load();
  assert.deepEqual(results(p.evaluate([1])), [{ array: true, defined: true, not_x: true }]);
  assert.deepEqual(results(p.evaluate({ a: 1 })), [{ object: true, defined: true, not_x: true }]);
  assert.deepEqual(results(p.evaluate('x')), [{ defined: true }]);
  assert.deepEqual(results(p.evaluate(undefined)), [{ undefined: true, not_x: true }]);
});

test('NotStmt negates its block; BreakStmt exits the right number of blocks', async () => {
  const b = new IR();
  b.plan('t/not', [
    { type: 'NotStmt', block: block({ type: 'DotStmt', source: L(0), key: b.s('deny'), target: 2 }, { type: 'EqualStmt', a: L(2), b: TRUE }) },
    { type: 'AssignVarStmt', source: TRUE, target: 3 },
    ...b.result(3),
  ]);
  b.plan('t/break', [
    { type: 'MakeArrayStmt', capacity: 0, target: 4 },
    { type: 'BlockStmt', blocks: [
      block({ type: 'BlockStmt', blocks: [block({ type: 'BreakStmt', index: 1 }, { type: 'ArrayAppendStmt', value: b.s('never'), array: 4 })] },
        { type: 'ArrayAppendStmt', value: b.s('skipped'), array: 4 }),
      block({ type: 'ArrayAppendStmt', value: b.s('second block runs'), array: 4 }),
    ] },
    { type: 'ArrayAppendStmt', value: b.s('after'), array: 4 },
    ...b.result(4),
  ]);
  const p = await b.load();
  assert.deepEqual(results(p.evaluate({ deny: true })), []);
  assert.deepEqual(results(p.evaluate({ deny: false })), [true]);
  assert.deepEqual(results(p.evaluate({})), [true]);
  assert.deepEqual(results(p.evaluate({}, 't/break')), [['second block runs', 'after']]);
});

test('ScanStmt over arrays, objects and sets; scalars do not iterate; body failure continues', async () => {
  const b = new IR();
  // Collect [key, value] pairs of input.c where value != "skip"; then the same over a set built from it.
  b.plan('t/scan', [
    { type: 'DotStmt', source: L(0), key: b.s('c'), target: 2 },
    { type: 'MakeArrayStmt', capacity: 2, target: 5 },
    { type: 'MakeSetStmt', target: 8 },
    { type: 'ScanStmt', source: 2, key: 3, value: 4, block: block(
      { type: 'NotEqualStmt', a: L(4), b: b.s('skip') },
      { type: 'MakeArrayStmt', capacity: 2, target: 6 },
      { type: 'ArrayAppendStmt', value: L(3), array: 6 },
      { type: 'ArrayAppendStmt', value: L(4), array: 6 },
      { type: 'ArrayAppendStmt', value: L(6), array: 5 },
      { type: 'SetAddStmt', value: L(4), set: 8 },
    ) },
    { type: 'MakeArrayStmt', capacity: 0, target: 9 },
    { type: 'ScanStmt', source: 8, key: 10, value: 11, block: block({ type: 'ArrayAppendStmt', value: L(10), array: 9 }) },
    { type: 'MakeObjectStmt', target: 12 },
    { type: 'ObjectInsertStmt', key: b.s('pairs'), value: L(5), object: 12 },
    { type: 'ObjectInsertStmt', key: b.s('set_keys'), value: L(9), object: 12 },
    ...b.result(12),
  ]);
  const p = await b.load();
  assert.deepEqual(results(p.evaluate({ c: ['b', 'skip', 'a', 'b'] })), [{ pairs: [[0, 'b'], [2, 'a'], [3, 'b']], set_keys: ['a', 'b'] }]);
  assert.deepEqual(results(p.evaluate({ c: { z: 1, a: 'skip', m: 2 } })), [{ pairs: [['m', 2], ['z', 1]], set_keys: [1, 2] }]);
  assert.deepEqual(results(p.evaluate({ c: 'scalar' })), [{ pairs: [], set_keys: [] }]);
  assert.deepEqual(results(p.evaluate({ c: [] })), [{ pairs: [], set_keys: [] }]);
});

test('CallStmt to functions (args, undefined result) and CallDynamicStmt by path', async () => {
  const b = new IR();
  // f(x) = x.name if x.active == true
  b.func({ name: 'g0.data.t.f', params: [0, 1, 2], return: 3, path: ['g0', 't', 'f'], blocks: [block(
    { type: 'DotStmt', source: L(2), key: b.s('active'), target: 4 },
    { type: 'EqualStmt', a: L(4), b: TRUE },
    { type: 'DotStmt', source: L(2), key: b.s('name'), target: 5 },
    { type: 'AssignVarStmt', source: L(5), target: 3 },
  )] });
  b.func({ name: 'g0.data.t.g', params: [0, 1], return: 2, path: ['g0', 't', 'g'], blocks: [block(
    { type: 'AssignVarStmt', source: b.s('from g'), target: 2 },
    { type: 'ReturnLocalStmt', source: 2 },
  ), block({ type: 'AssignVarStmt', source: b.s('not reached'), target: 2 })] });
  b.plan('t/call', [
    { type: 'CallStmt', func: 'g0.data.t.f', args: [L(0), L(1), L(0)], result: 6 },
    ...b.result(6),
  ]);
  b.plan('t/dyn', [
    { type: 'DotStmt', source: L(0), key: b.s('rule'), target: 7 },
    { type: 'CallDynamicStmt', path: [b.s('g0'), b.s('t'), L(7)], args: [0, 1], result: 8 },
    ...b.result(8),
  ]);
  const p = await b.load();
  assert.deepEqual(results(p.evaluate({ active: true, name: 'n' })), ['n']);
  assert.deepEqual(results(p.evaluate({ active: false, name: 'n' })), []);
  assert.deepEqual(results(p.evaluate({ rule: 'g' }, 't/dyn')), ['from g']);
  assert.deepEqual(results(p.evaluate({ rule: 'nope' }, 't/dyn')), []);
  assert.deepEqual(results(p.evaluate({ rule: 'f' }, 't/dyn')), [], 'f takes 3 params: no match for 2 args');
});

test('WithStmt replaces input/data paths inside its block only and restores them', async () => {
  const b = new IR();
  // result = [input.a.b (with input.a.b as "W"), input.a.b after, data.x.y (with data.x.y as 7), with whole input]
  b.plan('t/with', [
    { type: 'MakeArrayStmt', capacity: 4, target: 10 },
    { type: 'WithStmt', local: 0, path: [b.idx('a'), b.idx('b')], value: b.s('W'), block: block(
      { type: 'DotStmt', source: L(0), key: b.s('a'), target: 2 },
      { type: 'DotStmt', source: L(2), key: b.s('b'), target: 3 },
      { type: 'ArrayAppendStmt', value: L(3), array: 10 },
      { type: 'DotStmt', source: L(2), key: b.s('keep'), target: 4 },
      { type: 'ArrayAppendStmt', value: L(4), array: 10 },
    ) },
    { type: 'DotStmt', source: L(0), key: b.s('a'), target: 2 },
    { type: 'DotStmt', source: L(2), key: b.s('b'), target: 3 },
    { type: 'ArrayAppendStmt', value: L(3), array: 10 },
    b.num('7', 20),
    { type: 'WithStmt', local: 1, path: [b.idx('x'), b.idx('y')], value: L(20), block: block(
      { type: 'DotStmt', source: L(1), key: b.s('x'), target: 5 },
      { type: 'DotStmt', source: L(5), key: b.s('y'), target: 6 },
      { type: 'ArrayAppendStmt', value: L(6), array: 10 },
    ) },
    { type: 'WithStmt', local: 0, path: [], value: b.s('whole'), block: block({ type: 'ArrayAppendStmt', value: L(0), array: 10 }) },
    // A with block that is undefined makes the enclosing block undefined (nothing appended after).
    { type: 'BlockStmt', blocks: [block(
      { type: 'WithStmt', local: 0, path: [b.idx('a')], value: b.s('v'), block: block({ type: 'EqualStmt', a: L(0), b: b.s('no') }) },
      { type: 'ArrayAppendStmt', value: b.s('not reached'), array: 10 },
    )] },
    ...b.result(10),
  ]);
  const p = await b.load();
  p.setData({ x: { y: 1, z: 2 } });
  assert.deepEqual(results(p.evaluate({ a: { b: 'orig', keep: 'k' } })), [['W', 'k', 'orig', 7, 'whole']]);
  assert.deepEqual(results(p.evaluate({ a: 'scalar' })), []);
});

test('AssignVarOnceStmt and ObjectInsertOnceStmt raise eval_conflict_error with the location; equal values do not', async () => {
  const b = new IR();
  const loc = { file: 'policy/conflict.rego', row: 7, col: 3 };
  b.plan('t/once', [
    { type: 'DotStmt', source: L(0), key: b.s('xs'), target: 2 },
    { type: 'ScanStmt', source: 2, key: 3, value: 4, block: block({ type: 'AssignVarOnceStmt', source: L(4), target: 5, location: loc } as ir.LocatedStmt) },
    ...b.result(5),
  ]);
  b.plan('t/obj', [
    { type: 'MakeObjectStmt', target: 6 },
    { type: 'DotStmt', source: L(0), key: b.s('xs'), target: 2 },
    // The runtime writes the location from its parts (opa_rt_abort_at): multi-digit numbers, a non-ASCII file name as '?'.
    { type: 'ScanStmt', source: 2, key: 3, value: 4, block: block({ type: 'ObjectInsertOnceStmt', key: b.s('k'), value: L(4), object: 6, location: { file: 'pé.rego', row: 1207, col: 40 } } as ir.LocatedStmt) },
    ...b.result(6),
  ]);
  const p = await b.load();
  assert.deepEqual(results(p.evaluate({ xs: [1, 1] })), [1]);
  assert.throws(() => p.evaluate({ xs: [1, 2] }), (e: unknown) => String(e) === 'policy/conflict.rego:7:3: eval_conflict_error: complete rules must not produce multiple outputs');
  assert.deepEqual(results(p.evaluate({ xs: [2, 2] })), [2], 'instance usable after an abort');
  assert.deepEqual(results(p.evaluate({ xs: ['a', 'a'] }, 't/obj')), [{ k: 'a' }]);
  assert.throws(() => p.evaluate({ xs: ['a', 'b'] }, 't/obj'), (e: unknown) => String(e) === 'p?.rego:1207:40: eval_conflict_error: object keys must be unique');
  assert.deepEqual(results(p.evaluate({ xs: ['b'] }, 't/obj')), [{ k: 'b' }]);
});

test('ObjectMergeStmt, LenStmt, ResetLocalStmt, AssignIntStmt, MakeNullStmt, MakeNumberIntStmt', async () => {
  const b = new IR();
  b.plan('t/misc', [
    { type: 'DotStmt', source: L(0), key: b.s('a'), target: 2 },
    { type: 'DotStmt', source: L(0), key: b.s('b'), target: 3 },
    { type: 'ObjectMergeStmt', a: 2, b: 3, target: 4 },
    { type: 'LenStmt', source: L(4), target: 5 },
    { type: 'DotStmt', source: L(0), key: b.s('s'), target: 6 },
    { type: 'LenStmt', source: L(6), target: 7 },
    { type: 'AssignIntStmt', value: 42, target: 8 },
    { type: 'MakeNullStmt', target: 9 },
    { type: 'MakeNumberIntStmt', value: -3, target: 10 },
    { type: 'AssignVarStmt', source: FALSE, target: 11 },
    { type: 'ResetLocalStmt', target: 11 },
    { type: 'MakeArrayStmt', capacity: 0, target: 12 },
    { type: 'BlockStmt', blocks: [block({ type: 'IsUndefinedStmt', source: 11 }, { type: 'ArrayAppendStmt', value: b.s('reset'), array: 12 })] },
    { type: 'MakeObjectStmt', target: 13 },
    { type: 'ObjectInsertStmt', key: b.s('merged'), value: L(4), object: 13 },
    { type: 'ObjectInsertStmt', key: b.s('len'), value: L(5), object: 13 },
    { type: 'ObjectInsertStmt', key: b.s('strlen'), value: L(7), object: 13 },
    { type: 'ObjectInsertStmt', key: b.s('int'), value: L(8), object: 13 },
    { type: 'ObjectInsertStmt', key: b.s('null'), value: L(9), object: 13 },
    { type: 'ObjectInsertStmt', key: b.s('neg'), value: L(10), object: 13 },
    { type: 'ObjectInsertStmt', key: b.s('flags'), value: L(12), object: 13 },
    ...b.result(13),
  ]);
  const p = await b.load();
  assert.deepEqual(results(p.evaluate({ a: { x: 1, n: { p: 1 } }, b: { x: 2, y: 3, n: { q: 2 } }, s: 'héllo' })), [{
    merged: { x: 1, y: 3, n: { p: 1, q: 2 } }, len: 3, strlen: 5, int: 42, null: null, neg: -3, flags: ['reset'],
  }]);
  assert.deepEqual(results(p.evaluate({ a: 1, b: { x: 2 }, s: '' })), [], 'merge of a non-object is undefined');
});

test('entrypoints: several plans, by name and id; unknown builtin is a clear emit error; SDK builtins route through opa_builtinN', async () => {
  const b = new IR();
  b.plan('a/one', [{ type: 'AssignVarStmt', source: b.s('one'), target: 2 }, ...b.result(2)]);
  b.plan('a/two', [
    { type: 'DotStmt', source: L(0), key: b.s('n'), target: 3 },
    { type: 'MakeArrayStmt', capacity: 1, target: 4 },
    { type: 'ArrayAppendStmt', value: L(3), array: 4 },
    { type: 'CallStmt', func: 'sprintf', args: [b.s('n=%d'), L(4)], result: 2 },
    ...b.result(2),
  ]);
  const p = await b.load();
  assert.deepEqual(p.entrypoints, { 'a/one': 0, 'a/two': 1 });
  assert.deepEqual(results(p.evaluate({}, 'a/one')), ['one']);
  assert.deepEqual(results(p.evaluate({ n: 5 }, 1)), ['n=5']);
  assert.throws(() => p.evaluate({}, 7), /invalid entrypoint id/);

  const bad = new IR();
  bad.plan('x/y', [{ type: 'CallStmt', func: 'no.such.builtin', args: [L(0)], result: 2, location: { file: 'p.rego', row: 3, col: 5 } } as ir.LocatedStmt]);
  await assert.rejects(bad.wasm(), /p\.rego:3:5: builtin no\.such\.builtin is not implemented by the WASM runtime/);
  const badIndex = new IR();
  badIndex.plan('x/y', [{ type: 'BreakStmt', index: 3 }]);
  await assert.rejects(badIndex.wasm(), /BreakStmt index 3 exceeds block depth 1/);
});

test('collections filled only with constants are folded into data and behave like built ones', async () => {
  const b = new IR();
  const names = ['zed', 'alpha', 'é-accent', 'alpha', 'Zulu', 'k1'];
  b.plan('t/const', [
    { type: 'MakeSetStmt', target: 2 },
    ...names.map((n): ir.Stmt => ({ type: 'SetAddStmt', value: b.s(n), set: 2 })),
    { type: 'SetAddStmt', value: TRUE, set: 2 },
    { type: 'MakeObjectStmt', target: 3 },
    { type: 'ObjectInsertStmt', key: b.s('k2'), value: b.s('v2'), object: 3 },
    { type: 'ObjectInsertStmt', key: b.s('k1'), value: FALSE, object: 3 },
    { type: 'ObjectInsertStmt', key: b.s('k2'), value: b.s('v2b'), object: 3 },
    { type: 'MakeArrayStmt', capacity: 2, target: 4 },
    { type: 'ArrayAppendStmt', value: b.s('b'), array: 4 },
    { type: 'ArrayAppendStmt', value: b.s('a'), array: 4 },
    { type: 'DotStmt', source: L(0), key: b.s('q'), target: 5 },
    { type: 'CallStmt', func: 'internal.member_2', args: [L(5), L(2)], result: 6 },
    { type: 'DotStmt', source: L(3), key: L(5), target: 7 },
    { type: 'MakeArrayStmt', capacity: 5, target: 8 },
    { type: 'ArrayAppendStmt', value: L(2), array: 8 },
    { type: 'ArrayAppendStmt', value: L(3), array: 8 },
    { type: 'ArrayAppendStmt', value: L(4), array: 8 },
    { type: 'ArrayAppendStmt', value: L(6), array: 8 },
    { type: 'ArrayAppendStmt', value: L(7), array: 8 },
    ...b.result(8),
  ]);
  // Constant keys that conflict under ObjectInsertOnceStmt still raise the conflict at run time.
  b.plan('t/conflict', [
    { type: 'MakeObjectStmt', target: 2 },
    { type: 'ObjectInsertOnceStmt', key: b.s('k'), value: b.s('a'), object: 2 },
    { type: 'ObjectInsertOnceStmt', key: b.s('k'), value: b.s('b'), object: 2 },
    ...b.result(2),
  ]);
  const p = await b.load();
  const sortedNames = [...new Set(names)].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual(results(p.evaluate({ q: 'k2' })), [[[true, ...sortedNames], { k1: false, k2: 'v2b' }, ['b', 'a'], false, 'v2b']]);
  assert.deepEqual(results(p.evaluate({ q: 'k1' })).map((r) => (r as unknown[]).slice(3)), [[true, false]]);
  assert.throws(() => p.evaluate({}, 't/conflict'), /object keys must be unique/);
});

test('time.now_ns goes to the host: evaluation names it unless loadPolicy is given it as a custom builtin', async () => {
  const b = new IR();
  b.plan('t/now', [{ type: 'CallStmt', func: 'time.now_ns', args: [], result: 2 }, ...b.result(2)]);
  const wasm = await b.wasm();
  const without = await loadPolicy(wasm);
  assert.throws(() => without.evaluate({}), (e: unknown) => /time\.now_ns/.test(JSON.stringify(e)));
  const withClock = await loadPolicy(wasm, undefined, { 'time.now_ns': () => 1_700_000_000_000_000_000 });
  assert.deepEqual(results(withClock.evaluate({})), [1_700_000_000_000_000_000]);
});
