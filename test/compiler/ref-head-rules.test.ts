// Ref-head rules whose values meet (OPA's semantics, each case with its OPA source): a default inside
// an object rule, and a rule writing below another rule's value. One compile, one entrypoint per
// package, evaluated in the unmodified opa-wasm SDK.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, formatDiagnostic } from '../../compiler/src/index.ts';

const MODULES = [
  // regorus default/basic: a default at a constant non-string key applies when no rule gives that
  // key a value (OPA's default: "the value when all rules at that ref are undefined").
  `package objdefault
default complex[true] := "bool_true"
default complex[false] := "bool_false"
complex.hello := "world"
default over[1] := "default"
over[1] := "rule" if input.on
`,
  // OPA test cases refheads/general "deep injection into other rule object value, conflict".
  `package conflict
p[q].r := v if {
  q := "q"
  v := {"s": {"t": 1}}
}
p.q.r.s.u := 42
`,
  // ...and the same shapes where the deeper rule is undefined or lands beside the value: no conflict.
  `package beside
p[q].r := v if {
  q := "q"
  v := {"s": {"t": 1}}
}
p.q.r.s.u := 42 if input.missing
p.q.x := 1
`,
];

type Policy = Awaited<ReturnType<typeof loadPolicy>>;
let policy: Policy;
before(async () => {
  const out = await compile({
    modules: MODULES.map((source, i) => ({ file: `m${i}.rego`, source })),
    entrypoints: ['objdefault', 'conflict', 'beside'],
    builtinErrors: 'opa',
  });
  assert.ok(out.wasm, out.diagnostics.map(formatDiagnostic).join('\n'));
  policy = await loadPolicy(out.wasm);
});

function evalOne(entrypoint: string, input: unknown): unknown {
  const rs = policy.evaluate(input, entrypoint) as { result: unknown }[];
  assert.equal(rs.length, 1);
  return rs[0]!.result;
}

test('a default at a constant object key applies only where no rule put a value', () => {
  // Non-string keys come back from the SDK as their JSON text.
  assert.deepEqual(evalOne('objdefault', {}), {
    complex: { true: 'bool_true', false: 'bool_false', hello: 'world' },
    over: { 1: 'default' },
  });
  assert.deepEqual((evalOne('objdefault', { on: true }) as { over: unknown }).over, { 1: 'rule' });
});

test('a rule writing below another rule\'s value is a conflict; undefined or beside it is not', () => {
  assert.throws(() => policy.evaluate({}, 'conflict'), /eval_conflict_error: object keys must be unique/);
  assert.deepEqual(evalOne('beside', {}), { p: { q: { r: { s: { t: 1 } }, x: 1 } } });
});
