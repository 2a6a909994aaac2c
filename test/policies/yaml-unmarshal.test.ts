// yaml.unmarshal on the host: invalid YAML is OPA's eval_builtin_error with go-yaml's message
// (OPA's test case jsonbuiltins/yaml unmarshal error: `yaml: line 1: did not find`), undefined
// by default; valid YAML reads as the SDK reads it. Through compiled policies, in both modes: with
// strict builtin errors the module calls the host's version (the SDK's own would be undefined
// without a message); in OPA's default mode the SDK's, so the module runs on any host.
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

// One module per builtin error mode, shared by the tests below.
const SOURCE = 'package t\nv := yaml.unmarshal(input.doc)\n';
const modules = new Map<string, Promise<Uint8Array>>();
function moduleFor(builtinErrors: 'strict' | 'opa'): Promise<Uint8Array> {
  let m = modules.get(builtinErrors);
  if (!m) {
    m = compile({ modules: [{ file: 't.rego', source: SOURCE }], entrypoints: ['t/v'], builtinErrors, externalBuiltins: [...HOST_BUILTIN_NAMES] }).then((r) => {
      assert.ok(r.wasm, r.diagnostics.map(formatDiagnostic).join('\n'));
      return r.wasm;
    });
    modules.set(builtinErrors, m);
  }
  return m;
}

test('a compiled policy gets the error in strict mode and undefined by default', async () => {
  const [strict, lax] = await Promise.all((['strict', 'opa'] as const).map(async (mode) => {
    const p = await loadHostedPolicy(await moduleFor(mode));
    p.setData({});
    return p;
  }));
  for (const p of [strict!, lax!]) assert.deepEqual(p.evaluate({ doc: 'k: [1, 2]' }), [{ result: { k: [1, 2] } }]);
  assert.throws(() => strict!.evaluate({ doc: '[1,2,3' }), (e: unknown) => e instanceof Error
    && e.message === "t.rego:2:6: eval_builtin_error: yaml.unmarshal: yaml: line 1: did not find expected ',' or ']'");
  assert.deepEqual(lax!.evaluate({ doc: '[1,2,3' }), []);
});

test("the module names the host's yaml.unmarshal only in strict mode", async () => {
  const table = async (mode: 'strict' | 'opa'): Promise<string[]> => {
    const wasm = await moduleFor(mode);
    const { instance } = await Wasm.instantiate(wasm, { env: stubImports(wasm) });
    const ex = instance.exports as { builtins: () => number; opa_json_dump: (a: number) => number; memory: { buffer: ArrayBuffer } };
    const at = ex.opa_json_dump(ex.builtins());
    const mem = new Uint8Array(ex.memory.buffer);
    let end = at;
    while (mem[end] !== 0) end++;
    return Object.keys(JSON.parse(new TextDecoder().decode(mem.subarray(at, end))) as object);
  };
  assert.deepEqual(await table('strict'), ['host:yaml.unmarshal']);
  assert.deepEqual(await table('opa'), ['yaml.unmarshal']);
});

interface WasmApi {
  Module: { new (b: Uint8Array): object; imports(m: object): { name: string; kind: string }[] };
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  instantiate(b: Uint8Array, i: object): Promise<{ instance: { exports: unknown } }>;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Imports that are never called while reading the builtins() table. */
function stubImports(wasm: Uint8Array): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const imp of Wasm.Module.imports(new Wasm.Module(wasm))) {
    if (imp.kind === 'function') out[imp.name] = () => 0;
    else if (imp.kind === 'memory') out[imp.name] = new Wasm.Memory({ initial: 5 });
  }
  return out;
}
