// Strict builtin errors carry the call's location, as OPA's do (`file:row:col: eval_type_error: …`):
// the generated code records each builtin call's location (runtime global opa_rt_call_loc) before
// calling it, and the runtime's error messages start with it. One strict and one default compile.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, formatDiagnostic } from '../../compiler/src/index.ts';
import { parseRuntimeError } from './conformance/expect-error.ts';

const SOURCE = `package loc
n := count(input.v)
j := json.unmarshal(input.s)
f(x) := y if {
  some z in [1]
  y := object.keys(x)
}
k := f(input.v)
ok := count("abc") + count(input.s)
`;

type Policy = Awaited<ReturnType<typeof loadPolicy>>;
const policies: Partial<Record<'opa' | 'strict', Policy>> = {};
before(async () => {
  for (const mode of ['opa', 'strict'] as const) {
    const r = await compile({ modules: [{ file: 'lib/loc.rego', source: SOURCE }], entrypoints: ['loc/n', 'loc/j', 'loc/k', 'loc/ok'], builtinErrors: mode });
    assert.ok(r.wasm, r.diagnostics.map(formatDiagnostic).join('\n'));
    policies[mode] = await loadPolicy(r.wasm);
  }
});

function errorOf(p: Policy, input: unknown, entrypoint: string): string {
  try {
    p.evaluate(input, entrypoint);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  assert.fail(`${entrypoint} did not fail`);
}

test('a type error and a builtin error name the call: a head value, a body expression inside a function', () => {
  const p = policies.strict!;
  assert.equal(errorOf(p, { v: 5 }, 'loc/n'), 'lib/loc.rego:2:6: eval_type_error: count: operand 1 must be one of {array, object, set, string} but got number');
  assert.equal(errorOf(p, { s: '{' }, 'loc/j'), 'lib/loc.rego:3:6: eval_builtin_error: json.unmarshal: invalid JSON');
  // Inside a function: the call in its body, not the caller.
  assert.match(errorOf(p, { v: 5 }, 'loc/k'), /^lib\/loc\.rego:6:8: eval_type_error: object\.keys: operand 1 must be object but got number$/);
  // The second call of an expression is named, not the first.
  assert.match(errorOf(p, { s: 1 }, 'loc/ok'), /^lib\/loc\.rego:9:22: eval_type_error: count: /);
  // The conformance runner reads the code and message past the location.
  assert.deepEqual(parseRuntimeError(errorOf(p, { s: '{' }, 'loc/j')), { code: 'eval_builtin_error', message: 'json.unmarshal: invalid JSON' });
  // The instance carries on after an error.
  assert.deepEqual(p.evaluate({ v: [1, 2] }, 'loc/n'), [{ result: 2 }]);
});

test("OPA's default: the same calls are undefined, no error", () => {
  const p = policies.opa!;
  assert.deepEqual(p.evaluate({ v: 5 }, 'loc/n'), []);
  assert.deepEqual(p.evaluate({ s: '{' }, 'loc/j'), []);
  assert.deepEqual(p.evaluate({ v: 5 }, 'loc/k'), []);
});
