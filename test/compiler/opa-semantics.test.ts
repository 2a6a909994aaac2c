// Answers OPA gives and warden once got wrong without any error (issue 15). One policy holds every
// case as its own rule; it is compiled once and evaluated in the unmodified opa-wasm SDK. Each
// rule's expected value is OPA's (`opa eval -d case.rego -i input.json data.t`), with the OPA
// issue or documentation that describes it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, formatDiagnostic } from '../../compiler/src/index.ts';

const POLICY = `package t

s := {"a"}
f(a, _) if a == "y"

# 1. A ref or call inside a negated call or ref is evaluated before the negation (OPA issues 1877,
#    4743, 5793): when it is undefined, the body is undefined, not true.
neg_builtin if { not startswith("a", input.missing) }
neg_set_key if { not s[input.missing] }
neg_function if { not f("x", input.missing) }
neg_nested_call if { not count(input.missing) > 0 }
# ...but a negated comparison keeps its operands: \`not input.foo == true\` is true when input.foo is
# undefined (OPA's documented idiom), and defined operands negate as usual.
neg_equal_undefined if { not input.missing == true }
neg_set_key_defined if { not s[input.name] }
neg_builtin_defined if { not startswith("a", input.name) }

# 2. A zero-argument function referred to without parentheses is its value.
zero() := x if { x := 7 }
zero_ref := zero
zero_call := zero()

# 3. A type error inside a builtin makes that call undefined (OPA without strict builtin errors).
get_null := object.get(input.nul, "a", 1)
count_null if { count(input.nul) }
keys_number := object.keys(input.one)
after_type_error := 2

# 4. A multi-value rule with a dynamic key whose element is undefined creates no key.
d[input.name] contains input.missing
d2[input.name] contains x if { x := input.name }
o[input.name][input.missing] := 1

# 5. Parse/check gaps (OPA's parser and rewriteLocalVars): a function without a body is true for
#    the arguments it matches; a var repeated in a function's arguments requires equal arguments;
#    a template string is a valid \`with\` value.
g("x", _)
bodyless_match if g("x", 1)
bodyless_other if g("y", 1)
h(x, x) if x > 0
repeated_equal if h(2, 2)
repeated_unequal if h(2, 3)
tpl_in_with := v if {
  y := "a"
  v := input.name with input.name as $"{y}-{1}"
}
`;

test('OPA answers: negation, zero-argument functions, builtin type errors, dynamic multi-value keys', async () => {
  const out = await compile({ modules: [{ file: 'case.rego', source: POLICY }], entrypoints: ['t'] });
  assert.ok(out.wasm, out.diagnostics.map(formatDiagnostic).join('\n'));
  const policy = await loadPolicy(out.wasm);
  const rs = policy.evaluate({ name: 'n', nul: null, one: 1 }, 't') as { result: Record<string, unknown> }[];
  assert.equal(rs.length, 1);
  // The whole package document, as `opa eval data.t` prints it: undefined rules are absent and the
  // zero-argument function (a function) is not part of the document.
  assert.deepEqual(rs[0]!.result, {
    s: ['a'],
    neg_equal_undefined: true,
    neg_set_key_defined: true,
    neg_builtin_defined: true,
    zero_ref: 7,
    zero_call: 7,
    after_type_error: 2,
    d: {},
    d2: { n: ['n'] },
    o: {},
    bodyless_match: true,
    repeated_equal: true,
    tpl_in_with: 'a-1',
  });
});
