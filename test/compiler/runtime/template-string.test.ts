// internal.template_string (Rego string interpolation) called from hand-written IR in the SDK, and
// end to end from Rego source. Each IR case builds the argument array from the input's parts: a
// part is passed as it is ('v'), as the set of its elements ('s'), or as a set holding one set of
// its elements ('ss') — the shapes the front end produces for {expr} are sets of values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { IR, L, results, type Policy } from '../emit/ir-builder.ts';
import { compile, formatDiagnostic } from '../../../compiler/src/index.ts';
import type * as ir from '../../../compiler/src/ir/types.ts';

type Shape = 'v' | 's' | 'ss';
/** [shapes of the parts, input JSON text (an array of parts), expected string or error pattern]. */
type Case = [shapes: Shape[], input: string, want: string | RegExp];

const cases: Case[] = [
  [[], '[]', ''],
  [['v', 'v', 'v'], '["a ", "b", " c"]', 'a b c'],
  // Primitive parts (OPA accepts them unwrapped): numbers keep their text.
  [['v', 'v', 'v', 'v'], '["foo", 42, false, null]', 'foo42falsenull'],
  [['s'], '[[]]', '<undefined>'],
  [['v', 's', 'v'], '["<", ["x\\"y"], ">"]', '<x"y>'],
  [['s', 'v', 's', 'v', 's'], '[[13.37], ", ", [true], ", ", [null]]', '13.37, true, null'],
  [['s'], '[[1e3]]', '1e3'],
  [['s'], '[[123456789012345678901234567890]]', '123456789012345678901234567890'],
  // Collections print in Rego syntax (OPA's Value.String()): ", " and ": " separators.
  [['s', 'v', 's', 'v', 's', 'v', 's'], '[[[]], " ", [["a", "b"]], " ", [{}], " ", [{"d": "e", "a": [1, {"k": null}]}]]',
    '[] ["a", "b"] {} {"a": [1, {"k": null}], "d": "e"}'],
  [['ss', 'v', 'ss', 'v', 'ss'], '[[], " ", ["c"], " ", [2, 1, "x"]]', 'set() {"c"} {1, 2, "x"}'],
  // Strings inside collections are quoted like Go's strconv.Quote.
  [['s'], '[[["q\\"b\\\\s\\n\\t\\u0007\\u000b\\u0001\\u007f"]]]', '["q\\"b\\\\s\\n\\t\\a\\v\\x01\\x7f"]'],
  [['s'], '[[["é漢😀\\u00a0\\u200b\\ufeff"]]]', '["é漢😀\\u00a0\\u200b\\ufeff"]'],
  // A string value itself is printed raw, including non-ASCII and control characters.
  [['s'], '[["é\\n"]]', 'é\n'],
  // Several values for one expression: OPA halts with a conflict.
  [['v', 's'], '["x", [1, 2]]', /^eval_conflict_error: template-strings must not produce multiple outputs$/],
  // Arrays/objects must be wrapped in a set (the front end always does).
  [['v'], '[[1]]', /^eval_internal_error: illegal argument type: array$/],
  [['v'], '[{"a": 1}]', /^eval_internal_error: illegal argument type: object$/],
];

function planName(c: Case): string {
  return `t/${c[0].join('_') || 'none'}`;
}

async function compileCases(): Promise<Policy> {
  const b = new IR();
  const seen = new Set<string>();
  for (const c of cases) {
    const name = planName(c);
    if (seen.has(name)) continue;
    seen.add(name);
    const stmts: ir.Stmt[] = [{ type: 'MakeArrayStmt', capacity: c[0].length, target: 3 }];
    c[0].forEach((shape, i) => {
      const base = 10 + i * 10;
      stmts.push({ type: 'MakeNumberIntStmt', value: i, target: base });
      stmts.push({ type: 'DotStmt', source: L(0), key: L(base), target: base + 1 });
      if (shape === 'v') {
        stmts.push({ type: 'ArrayAppendStmt', value: L(base + 1), array: 3 });
        return;
      }
      stmts.push({ type: 'MakeSetStmt', target: base + 2 });
      stmts.push({ type: 'ScanStmt', source: base + 1, key: base + 3, value: base + 4, block: { stmts: [{ type: 'SetAddStmt', value: L(base + 4), set: base + 2 }] } });
      if (shape === 's') {
        stmts.push({ type: 'ArrayAppendStmt', value: L(base + 2), array: 3 });
        return;
      }
      stmts.push({ type: 'MakeSetStmt', target: base + 5 });
      stmts.push({ type: 'SetAddStmt', value: L(base + 2), set: base + 5 });
      stmts.push({ type: 'ArrayAppendStmt', value: L(base + 5), array: 3 });
    });
    stmts.push({ type: 'CallStmt', func: 'internal.template_string', args: [L(3)], result: 2 }, ...b.result(2));
    b.plan(name, stmts);
  }
  // A non-array argument: the input itself.
  b.plan('t/raw', [{ type: 'CallStmt', func: 'internal.template_string', args: [L(0)], result: 2 }, ...b.result(2)]);
  return b.load();
}

function evalText(p: Policy, json: string, entrypoint: string): unknown[] {
  return results(p.evaluate(new TextEncoder().encode(json).buffer as ArrayBuffer, entrypoint));
}

test('internal.template_string prints parts like OPA (raw strings, Rego syntax, <undefined>)', async () => {
  const p = await compileCases();
  for (const c of cases) {
    const what = `${c[0].join(',')} ${c[1]}`;
    if (c[2] instanceof RegExp) {
      assert.throws(() => evalText(p, c[1], planName(c)), (e: unknown) => (c[2] as RegExp).test(String(e)), what);
      continue;
    }
    assert.deepEqual(evalText(p, c[1], planName(c)), [c[2]], what);
  }
  // A type error inside a builtin makes the call undefined, as in OPA without strict builtin errors.
  assert.deepEqual(evalText(p, '"abc"', 't/raw'), []);
});

test('string interpolation from Rego source evaluates in the SDK', async () => {
  const source = [
    'package t',
    'a := ["x", "y"]',
    'p := $"{input.name} has {count(a)} items: {a}, missing: {input.nope}"',
    'q := [s | some i, v in a; s := $`{i}={v}`]',
    'r := $"{ {k: 1 | some k in a} } \\{literal}"',
  ].join('\n');
  const out = await compile({ modules: [{ file: 't.rego', source }], entrypoints: ['t/p', 't/q', 't/r'] });
  assert.ok(out.wasm, out.diagnostics.map(formatDiagnostic).join('; '));
  const p = await loadPolicy(out.wasm);
  const input = { name: 'dev' };
  assert.deepEqual(results(p.evaluate(input, 't/p')), ['dev has 2 items: ["x", "y"], missing: <undefined>']);
  assert.deepEqual(results(p.evaluate(input, 't/q')), [['0=x', '1=y']]);
  assert.deepEqual(results(p.evaluate(input, 't/r')), ['{"x": 1, "y": 1} {literal}']);
});
