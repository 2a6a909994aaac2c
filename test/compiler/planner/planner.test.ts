// Planner tests: the IR shape of key constructs, and their meaning when the IR is emitted and run
// in the unmodified opa-wasm SDK. Modules are parsed and planned directly (no checks), so the
// bodies below are written in a safe order.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import type { Module } from '../../../compiler/src/ast.ts';
import { parseModule } from '../../../compiler/src/frontend.ts';
import * as ir from '../../../compiler/src/ir/types.ts';
import { planPolicy } from '../../../compiler/src/planner/index.ts';
import { compile } from '../../../compiler/src/index.ts';

function parse(...sources: string[]): Module[] {
  return sources.map((s, i) => {
    const r = parseModule(s, `m${i}.rego`);
    assert.deepEqual(r.diagnostics, []);
    assert.ok(r.module);
    return r.module;
  });
}

function plan(entrypoints: string[], ...sources: string[]): ir.Policy {
  const r = planPolicy(parse(...sources), { entrypoints });
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.policy);
  return r.policy;
}

/** All statements of a function or plan, depth first (nested blocks included). */
function stmts(blocks: ir.Block[]): ir.Stmt[] {
  const out: ir.Stmt[] = [];
  const visit = (b: ir.Block): void => {
    for (const s of b.stmts) {
      out.push(s);
      if (s.type === 'BlockStmt') s.blocks.forEach(visit);
      if (s.type === 'NotStmt' || s.type === 'ScanStmt' || s.type === 'WithStmt') visit(s.block);
    }
  };
  blocks.forEach(visit);
  return out;
}

function func(p: ir.Policy, name: string): ir.Func {
  const f = p.funcs.find((x) => x.name === name);
  assert.ok(f, `function ${name} not planned; have ${p.funcs.map((x) => x.name).join(', ')}`);
  return f;
}

describe('planner IR', () => {
  test('complete rule: a function per rule path, AssignVarOnce, default when undefined', () => {
    const p = plan(['t/allow'], 'package t\ndefault allow := false\nallow if input.user == "admin"\n');
    const f = func(p, 'g0.data.t.allow');
    assert.deepEqual(f.params, [0, 1]);
    assert.deepEqual(f.path, ['g0', 't', 'allow']);
    const types = stmts(f.blocks).map((s) => s.type);
    assert.ok(types.includes('AssignVarOnceStmt'));
    assert.ok(types.includes('IsUndefinedStmt'), 'default rule guarded by IsUndefined on the return local');
    assert.equal(types[types.length - 1], 'ReturnLocalStmt');
    const plan0 = p.plans[0];
    assert.equal(plan0?.name, 't/allow');
    const ptypes = stmts(plan0?.blocks ?? []).map((s) => s.type);
    assert.deepEqual(ptypes, ['CallStmt', 'MakeObjectStmt', 'ObjectInsertStmt', 'ResultSetAddStmt']);
    assert.ok(p.static.strings.includes('result'));
  });

  test('partial set and object rules build collections; builtins are listed', () => {
    const p = plan(
      ['t/s', 't/o'],
      'package t\nimport rego.v1\ns contains x if { some x in input.xs; x > 1 }\no[k] := v if { some k, v in input.m; count(v) > 0 }\n',
    );
    const s = stmts(func(p, 'g0.data.t.s').blocks).map((x) => x.type);
    assert.ok(s.includes('MakeSetStmt') && s.includes('SetAddStmt') && s.includes('ScanStmt'));
    const o = stmts(func(p, 'g0.data.t.o').blocks).map((x) => x.type);
    assert.ok(o.includes('MakeObjectStmt') && o.includes('ObjectInsertOnceStmt'));
    assert.deepEqual(
      p.static.builtinFuncs.map((b) => b.name),
      ['count', 'gt'],
    );
  });

  test('functions take input and data first, then their arguments', () => {
    const p = plan(['t/y'], 'package t\nimport rego.v1\nf(a, b) := a + b\ny := f(1, 2)\n');
    const f = func(p, 'g0.data.t.f');
    assert.equal(f.params.length, 4);
    const call = stmts(func(p, 'g0.data.t.y').blocks).find((s) => s.type === 'CallStmt' && s.func === 'g0.data.t.f');
    assert.ok(call && call.type === 'CallStmt');
    assert.equal(call.args.length, 4);
  });

  test('not becomes NotStmt; with on input becomes WithStmt', () => {
    const p = plan(['t/p'], 'package t\nimport rego.v1\nq if input.a == 1\np if { not q with input as {"a": 2} }\n');
    const s = stmts(func(p, 'g0.data.t.p').blocks);
    assert.ok(s.some((x) => x.type === 'NotStmt'));
    assert.ok(s.some((x) => x.type === 'WithStmt' && x.local === ir.LOCAL_INPUT));
  });

  test('with on data hiding a rule re-plans dependent rules under a new generation', () => {
    const p = plan(['t/r'], 'package t\nimport rego.v1\nbase := 1\nuses := base + 1\nr := y if { y := uses with data.t.base as 10 }\n');
    assert.ok(p.funcs.some((f) => f.name === 'g0.data.t.r'));
    assert.ok(p.funcs.some((f) => /^g[1-9]\d*\.data\.t\.uses$/.test(f.name)), p.funcs.map((f) => f.name).join(','));
  });

  test('errors come back as diagnostics with a location', () => {
    const r = planPolicy(parse('package t\nimport rego.v1\np := nosuchfn(1)\n'), { entrypoints: ['t/p'] });
    assert.equal(r.policy, undefined);
    const d = r.diagnostics[0];
    assert.ok(d);
    assert.match(d.message, /undefined function nosuchfn/);
    assert.equal(d.file, 'm0.rego');
    assert.equal(d.row, 3);
  });
});

/** Compiles and evaluates one query against modules, returning the SDK's result set. */
async function evalQuery(query: string, sources: string[], input?: unknown, data: object = {}): Promise<unknown> {
  const r = await compile({ modules: sources.map((source, i) => ({ file: `m${i}.rego`, source })), entrypoints: [], queries: [{ name: 'q', query }] });
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.wasm);
  const policy = await loadPolicy(r.wasm);
  policy.setData(data);
  return policy.evaluate(input, 'q');
}

describe('planner semantics in the SDK', () => {
  test('virtual and base documents merge under a package path', async () => {
    const rs = await evalQuery('x = data.t', ['package t\nimport rego.v1\np := 1\nq contains "a"\n'], undefined, { t: { base: true } });
    assert.deepEqual(rs, [{ x: { base: true, p: 1, q: ['a'] } }]);
  });

  test('iteration over a data level whose keys are rules and base keys', async () => {
    const rs = await evalQuery('x := {k | data.t[k]}', ['package t\nimport rego.v1\np := 1\n'], undefined, { t: { b: 2 } });
    assert.deepEqual(rs, [{ x: ['b', 'p'] }]);
  });

  test('else chain and conflict error', async () => {
    assert.deepEqual(await evalQuery('x = data.t.p', ['package t\nimport rego.v1\np := 1 if input.a\nelse := 2\n'], { a: false }), [{ x: 2 }]);
    await assert.rejects(evalQuery('x = data.t.p', ['package t\nimport rego.v1\np := 1\np := 2\n']));
  });

  test('every and some-in', async () => {
    const src = 'package t\nimport rego.v1\nall_pos if every x in input.xs { x != 0 }\n';
    assert.deepEqual(await evalQuery('x = data.t.all_pos', [src], { xs: [1, 2] }), [{ x: true }]);
    assert.deepEqual(await evalQuery('x = data.t.all_pos', [src], { xs: [1, 0] }), []);
  });

  test('with replaces input and data for one expression only', async () => {
    const src = 'package t\nimport rego.v1\nv := input.a\nw := data.d\nr := [v, y] if { y := w with data.d as 5 }\n';
    assert.deepEqual(await evalQuery('x = data.t.r', [src], { a: 1 }, { d: 3 }), [{ x: [1, 5] }]);
  });

  test('comprehensions: array, set, object', async () => {
    const q = 'a := [y | some y in [3, 1, 3]]; s := {y | some y in [3, 1, 3]}; o := {k: v | some k, v in ["a", "b"]}';
    assert.deepEqual(await evalQuery(q, []), [{ a: [3, 1, 3], s: [1, 3], o: { '0': 'a', '1': 'b' } }]);
  });
});

test('an internal planner failure is reported where planning stopped (the expression), not at the first module', () => {
  const modules = parse('package a\nx := 1', 'package b\n\ny := z if {\n  z := 2\n}');
  // A term no parser produces: the planner fails on it while planning data.b.y.
  const expr = modules[1]!.rules[0]!.body[0]!;
  expr.terms = { type: 'every', key: null, value: null, domain: null, body: null } as unknown as typeof expr.terms;
  const r = planPolicy(modules, { entrypoints: ['b/y'] });
  assert.equal(r.policy, undefined);
  assert.equal(r.diagnostics.length, 1);
  const d = r.diagnostics[0]!;
  assert.deepEqual([d.file, d.row, d.col, d.code], ['m1.rego', 4, 3, 'rego_compile_error']);
  assert.match(d.message, /^internal planner error: /);
});
