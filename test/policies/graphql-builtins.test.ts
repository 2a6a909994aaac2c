// OPA's graphql.* builtins, supplied by the host (agent/src/policy/host-builtins/graphql): a fleet
// policy calling graphql.is_valid compiles through the server's compile child and decides in the
// agent's PolicyEngine — from the sources and in the shipped agent bundle (an install without
// node_modules, graphql-js coming from build/warden-graphql.cjs); graphql-js is loaded only when a
// policy calls one of them; a builtin error is undefined under OPA's default and
// eval_builtin_error in strict mode. (Every OPA case of the builtins: test/compiler/conformance.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, formatDiagnostic } from '../../compiler/src/index.ts';
import { compileInChild } from '../../server/src/policy/compile-process.ts';
import { ENTRYPOINT, type PolicyBundle } from '../../agent/src/policy/bundle.ts';
import { PolicyEngine } from '../../agent/src/policy/evaluate.ts';
import { buildPolicyInput } from '../../agent/src/policy/input.ts';
import { HOST_BUILTIN_NAMES, loadHostedPolicy } from '../../agent/src/policy/host-builtins/index.ts';
import { graphqlLoaded } from '../../agent/src/policy/host-builtins/graphql/lib.ts';
import { packBundle } from '../../wire/src/bundle-archive.ts';
import { generateSigningKey, signBundleArchive } from '../../wire/src/bundle-signing.ts';
import { buildAgent } from '../../scripts/build-agent.js';
import { createDemoRoot } from '../../agent/src/demo-root.ts';
import { BanList } from '../../wire/src/banlist.ts';
import { validate } from '../../wire/src/validate.ts';
import { finding, inventory, npmInstall, tempRoot } from '../enforce/fixtures.ts';

const t = tempRoot('graphql-builtins');
const example = validate(BanList, JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'examples', 'ban-claude-code.json'), 'utf8')), 'example ban list');
after(() => t.cleanup());

// A fleet policy: a tool with a GraphQL query in data.graphql_queries is allowed when the query is valid
// against data.graphql_schema and blocked when not; the reason names the query's operation.
const FLEET = `package warden

decisions := [d | f := input.findings[_]; d := decision(f)]

decision(f) := {
	"finding": f.id, "tool": f.tool, "action": action(f), "reason": reason(f), "message": "", "alternative": "",
	"rule": "graphql", "groups": [], "grace_until": null, "monitor": false, "settings": null,
}

blocked(f) if {
	q := data.graphql_queries[f.tool]
	not graphql.is_valid(q, data.graphql_schema)
}

action(f) := "block" if blocked(f)
action(f) := "allow" if not blocked(f)

reason(f) := sprintf("operation %s", [graphql.parse_query(data.graphql_queries[f.tool]).Operations[0].Name])
reason(f) := "no query" if not data.graphql_queries[f.tool]
`;

const DATA = {
  graphql_schema: `
    type Employee { id: String! salary: Int! }
    type Query { employeeByID(id: String): Employee }
  `,
  graphql_queries: {
    'claude-code': 'query Salary { employeeByID(id: "alice") { salary } }',
    // No such field: not valid against the schema.
    'gemini-cli': 'query Address { employeeByID(id: "alice") { address } }',
  },
};

function fleetInput(): Parameters<PolicyEngine['evaluate']>[0] {
  const inv = inventory(t.root, [
    finding('claude-code', 'Claude Code', npmInstall(t.root, '@anthropic-ai/claude-code', 'claude')),
    finding('gemini-cli', 'Gemini CLI', npmInstall(t.root, '@google/gemini-cli', 'gemini')),
    finding('qoder-cli', 'Qoder CLI', npmInstall(t.root, 'qoder-cli', 'qoder')),
  ]);
  return buildPolicyInput(inv, { id: 'dev-1', groups: [], userGroups: {} }, new Date('2026-06-01T00:00:00Z'), []);
}

function graphqlInRequireCache(): boolean {
  return Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes(`${join('node_modules', 'graphql')}`));
}

// One small module for the in-process checks, compiled once per builtinErrors mode.
const SMALL = `package t
plain := count([1, 2, 3])
bad := graphql.parse_query("{")
ok := graphql.parse_query("{ a }").Operations[0].SelectionSet[0].Name
valid := graphql.is_valid("{ a }", "type Query { a: Int }")
`;
async function small(mode: 'opa' | 'strict'): Promise<Uint8Array> {
  const r = await compile({ modules: [{ file: 't.rego', source: SMALL }], entrypoints: ['t/plain', 't/bad', 't/ok', 't/valid'], builtinErrors: mode, externalBuiltins: [...HOST_BUILTIN_NAMES] });
  assert.ok(r.wasm, r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.wasm;
}

test('a policy that calls no graphql builtin never loads graphql-js; parsing does not either, the first validation does', async () => {
  const policy = await loadHostedPolicy(await small('opa'));
  policy.setData({});
  assert.deepEqual(policy.evaluate({}, 't/plain'), [{ result: 3 }]);
  assert.equal(graphqlLoaded(), false);
  assert.equal(graphqlInRequireCache(), false, 'graphql-js is not in the require cache');
  // Lexing and parsing are warden's own (gqlparser's grammar): no graphql-js.
  assert.deepEqual(policy.evaluate({}, 't/ok'), [{ result: 'a' }]);
  assert.equal(graphqlLoaded(), false);
  assert.deepEqual(policy.evaluate({}, 't/valid'), [{ result: true }]);
  assert.equal(graphqlLoaded(), true);
  assert.equal(graphqlInRequireCache(), true);
});

test("a graphql builtin error is undefined under OPA's default and eval_builtin_error in strict mode", async () => {
  const lenient = await loadHostedPolicy(await small('opa'));
  lenient.setData({});
  assert.deepEqual(lenient.evaluate({}, 't/bad'), []);
  const strict = await loadHostedPolicy(await small('strict'));
  strict.setData({});
  assert.deepEqual(strict.evaluate({}, 't/ok'), [{ result: 'a' }]);
  assert.throws(() => strict.evaluate({}, 't/bad'), (e: Error) => {
    // Located at the call (row 3, col 8), as OPA locates a builtin's error.
    assert.equal(e.message, 't.rego:3:8: eval_builtin_error: graphql.parse_query: Expected Name, found <EOF> in GraphQL string at location 1:2');
    return true;
  });
});

let wasm: Buffer | undefined;
async function fleetWasm(): Promise<Buffer> {
  wasm ??= await compileInChild({ modules: [{ file: 'fleet.rego', source: FLEET }], entrypoints: [ENTRYPOINT] });
  return wasm;
}

test("a fleet policy using graphql.is_valid compiles in the server's compile child and decides in the agent's PolicyEngine", async () => {
  const bundle: PolicyBundle = { wasm: await fleetWasm(), data: { ...example, ...DATA }, banList: example, revision: 'graphql-1', signed: false, digest: '' };
  const engine = await PolicyEngine.load(bundle);
  const ds = engine.evaluate(fleetInput());
  assert.deepEqual(ds.map((d) => [d.tool, d.action, d.reason]), [
    ['claude-code', 'allow', 'operation Salary'],
    ['gemini-cli', 'block', 'operation Address'],
    ['qoder-cli', 'allow', 'no query'],
  ]);
});

test('the shipped agent bundle (no node_modules) runs the graphql policy with graphql-js from build/warden-graphql.cjs', async () => {
  const install = join(t.dir, 'install');
  const built = await buildAgent(join(install, 'build', 'warden-agent.mjs'));
  assert.ok(existsSync(join(install, 'build', 'warden-graphql.cjs')), 'the sidecar is written beside the bundle');
  assert.ok(!built.inputs.some((p: string) => p.includes('node_modules/graphql/')), 'graphql-js is not inside the agent bundle');
  for (const f of ['bin/warden-agent.js', 'bin/current-bundle.js', 'package.json', 'policies/data/catalog.json', 'policies/data/managed-settings.json']) {
    mkdirSync(join(install, f, '..'), { recursive: true });
    copyFileSync(f, join(install, f));
  }
  const key = generateSigningKey();
  const archive = await signBundleArchive(packBundle(new Map([
    ['.manifest', Buffer.from(JSON.stringify({ revision: 'graphql-1', roots: [''], wasm: [{ entrypoint: ENTRYPOINT, module: '/policy.wasm' }] }))],
    ['policy.wasm', await fleetWasm()],
    ['data.json', Buffer.from(JSON.stringify({ ...example, ...DATA }))],
  ])), key);
  const work = mkdtempSync(join(tmpdir(), 'warden-graphql-agent-'));
  try {
    writeFileSync(join(work, 'bundle.tar.gz'), archive);
    writeFileSync(join(work, 'key.pem'), key.publicKeyPem);
    const root = join(work, 'root');
    createDemoRoot(root, 'linux');
    const enforce = (): SpawnSyncReturns<string> => spawnSync(process.execPath, [join(install, 'bin/warden-agent.js'), 'enforce', '--bundle', join(work, 'bundle.tar.gz'),
      '--public-key', join(work, 'key.pem'), '--root', root, '--os', 'linux', '--state', join(work, 'state'), '--dry-run', '--json'], { encoding: 'utf8', cwd: work });
    const r = enforce();
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { decisions: { tool: string; action: string; reason: string }[] };
    const byTool = Object.fromEntries(out.decisions.map((d) => [d.tool, [d.action, d.reason]]));
    assert.deepEqual(byTool['claude-code'], ['allow', 'operation Salary']);
    assert.deepEqual(byTool['gemini-cli'], ['block', 'operation Address']);
    assert.ok(out.decisions.length > 2 && out.decisions.every((d) => d.tool in DATA.graphql_queries || (d.action === 'allow' && d.reason === 'no query')), r.stdout);
    // Without the sidecar the builtins cannot run: an error naming it, never a quiet "not valid".
    rmSync(join(install, 'build', 'warden-graphql.cjs'));
    const missing = enforce();
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /cannot load graphql-js \(\.\/warden-graphql\.cjs\)/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
