// yaml.unmarshal on the host: invalid YAML is OPA's eval_builtin_error with go-yaml's message
// (OPA's test case jsonbuiltins/yaml unmarshal error: `yaml: line 1: did not find`), undefined
// by default; valid YAML reads as the SDK reads it. Through compiled policies, in both modes: the
// module calls the host's version, not the SDK's (which would be undefined without a message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, formatDiagnostic } from '../../compiler/src/index.ts';
import { HOST_BUILTIN_NAMES, loadHostedPolicy } from '../../agent/src/policy/host-builtins/index.ts';
import { BuiltinError } from '../../agent/src/policy/host-builtins/types.ts';
import { yamlUnmarshal } from '../../agent/src/policy/host-builtins/yaml.ts';

test("invalid YAML is an eval_builtin_error with go-yaml's wording and line", () => {
  const cases: [string, string][] = [
    ['[1,2,3', "yaml: line 1: did not find expected ',' or ']'"],
    ['[1,2,3\n', "yaml: line 1: did not find expected ',' or ']'"],
    ['a: 1\nb: {c: 2\n', "yaml: line 2: did not find expected ',' or '}'"],
    ['a: b: c', 'yaml: line 1: mapping values are not allowed in this context'],
    ['x: 1\ny: "abc', 'yaml: line 2: found unexpected end of stream'],
    ['\tx: 1', 'yaml: line 1: found character that cannot start any token'],
  ];
  for (const [src, message] of cases) {
    assert.throws(() => yamlUnmarshal(src), (e: unknown) => e instanceof BuiltinError && e.code === 'eval_builtin_error' && e.message === message, JSON.stringify(src));
  }
  // Problems without a go-yaml wording here keep the JS parser's, at its line.
  assert.throws(() => yamlUnmarshal('- a\nb: 1'), (e: unknown) => e instanceof BuiltinError && /^yaml: line 2: \S/.test(e.message));
  assert.throws(() => yamlUnmarshal(1), (e: unknown) => e instanceof BuiltinError && e.code === 'eval_type_error' && e.message === 'operand 1 must be string but got number');
});

test('valid YAML reads as JSON values', () => {
  assert.deepEqual(yamlUnmarshal('a: [1, "x", true, null]\nb:\n  c: 1.5\n'), { a: [1, 'x', true, null], b: { c: 1.5 } });
  assert.equal(yamlUnmarshal(''), null);
});

test('a compiled policy gets the error in strict mode and undefined by default', async () => {
  const source = `package t
v := yaml.unmarshal(input.doc)
`;
  const modes = ['strict', 'opa'] as const;
  const [strict, lax] = await Promise.all(modes.map(async (builtinErrors) => {
    const r = await compile({ modules: [{ file: 't.rego', source }], entrypoints: ['t/v'], builtinErrors, externalBuiltins: [...HOST_BUILTIN_NAMES] });
    assert.ok(r.wasm, r.diagnostics.map(formatDiagnostic).join('\n'));
    const p = await loadHostedPolicy(r.wasm);
    p.setData({});
    return p;
  }));
  for (const p of [strict!, lax!]) assert.deepEqual(p.evaluate({ doc: 'k: [1, 2]' }), [{ result: { k: [1, 2] } }]);
  assert.throws(() => strict!.evaluate({ doc: '[1,2,3' }), (e: unknown) => e instanceof Error
    && e.message === "t.rego:2:6: eval_builtin_error: yaml.unmarshal: yaml: line 1: did not find expected ',' or ']'");
  assert.deepEqual(lax!.evaluate({ doc: '[1,2,3' }), []);
});
