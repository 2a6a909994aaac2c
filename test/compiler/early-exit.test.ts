// OPA's early exit: a rule whose head is constant (value; key of a multi-value or object rule) stops
// its body at the first success — same document, and later iterations never run, so under strict
// builtin errors their errors never happen (regorus loop/basic "early return", OPA's topdown). A
// head that depends on the iteration keeps iterating. One strict compile, evaluated in the SDK.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, formatDiagnostic } from '../../compiler/src/index.ts';

const EXITS = `package exits
a := [1, "hello"]
b1 if { a[_] + 1 }
b4 := 1 if { a[_] + 1 }
c[null] := true if { a[_] + 1 }
multi[1].hello := 5 if { a[_] + 1 }
s contains "k" if { a[_] + 1 }
f[p] := 5 if { p := a[_] }
`;
const KEEPS = `package keeps
a := [1, "hello"]
v := x if { x := a[_] + 1 }
`;

type Policy = Awaited<ReturnType<typeof loadPolicy>>;
let policy: Policy;
before(async () => {
  const out = await compile({
    modules: [{ file: 'exits.rego', source: EXITS }, { file: 'keeps.rego', source: KEEPS }],
    entrypoints: ['exits', 'keeps'],
    builtinErrors: 'strict',
  });
  assert.ok(out.wasm, out.diagnostics.map(formatDiagnostic).join('\n'));
  policy = await loadPolicy(out.wasm);
});

test('a constant head stops at the first success: "hello" + 1 is never reached', () => {
  const rs = policy.evaluate({}, 'exits') as { result: unknown }[];
  assert.deepEqual(rs[0]?.result, {
    a: [1, 'hello'], b1: true, b4: 1, c: { null: true }, multi: { 1: { hello: 5 } }, s: ['k'], f: { 1: 5, hello: 5 },
  });
});

test('a head that depends on the iteration evaluates every one (strict: the type error halts)', () => {
  assert.throws(() => policy.evaluate({}, 'keeps'), /eval_type_error: plus: operand 1 must be number but got string/);
});
