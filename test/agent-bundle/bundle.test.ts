// The agent as shipped: one bundled plain-node file (scripts/build-agent.js). Built into a temp
// install layout that holds only bin/, build/, policies/data/catalog.json and package.json — no
// node_modules, no TypeScript sources, no tsx — and run there as real child processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoRoot } from '../../agent/src/demo-root.ts';
import { forbiddenContent } from '../../scripts/build-agent.js';
import { NODE_FLAGS } from '../../agent/src/service/definitions.ts';
import { Inventory } from '../../wire/src/inventory.ts';
import { validate } from '../../wire/src/validate.ts';

let dir = '';
let install = '';
let root = '';
let bundle = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-agent-bundle-'));
  install = join(dir, 'install');
  root = join(dir, 'root');
  bundle = join(install, 'build', 'warden-agent.mjs');
  const b = spawnSync(process.execPath, ['scripts/build-agent.js', bundle], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /agent bundle: .* MB/);
  for (const f of ['bin/warden-agent.js', 'bin/current-bundle.js', 'package.json', 'policies/data/catalog.json']) {
    mkdirSync(join(install, f, '..'), { recursive: true });
    copyFileSync(f, join(install, f));
  }
  createDemoRoot(root, 'linux');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const scanArgs = () => ['scan', '--json', '--root', root, '--os', 'linux', '--no-processes'];
/** The parts of an inventory that must not depend on how the agent was run. */
function comparable(stdout: string): unknown {
  const inv = validate(Inventory, JSON.parse(stdout), 'inventory');
  return { findings: inv.findings, skipped: inv.skipped, root: inv.root, catalog_version: inv.catalog_version, users: inv.host.users };
}

test('bundled agent (plain node, service V8 flags) finds the same tools as the source version', () => {
  const fromSource = spawnSync(process.execPath, ['bin/warden-agent.js', ...scanArgs()], { encoding: 'utf8', env: { ...process.env, WARDEN_AGENT_FROM_SOURCE: '1' } });
  assert.equal(fromSource.status, 0, fromSource.stderr);
  const direct = spawnSync(process.execPath, [...NODE_FLAGS, bundle, ...scanArgs()], { encoding: 'utf8' });
  assert.equal(direct.status, 0, direct.stderr);
  const viaBin = spawnSync(process.execPath, [...NODE_FLAGS, join(install, 'bin/warden-agent.js'), ...scanArgs()], { encoding: 'utf8' });
  assert.equal(viaBin.status, 0, viaBin.stderr);

  const expected = comparable(fromSource.stdout) as { findings: { tool_id: string }[] };
  assert.ok(expected.findings.length >= 8, `demo root yields findings: ${expected.findings.map((f) => f.tool_id).join(',')}`);
  assert.deepEqual(comparable(direct.stdout), expected);
  assert.deepEqual(comparable(viaBin.stdout), expected);
});

test('bundled agent reads the catalog shipped next to it (policies/data/catalog.json of its install)', () => {
  // A catalog that knows no tool: if the bundle still found tools, it read some other catalog.
  const catalogPath = join(install, 'policies/data/catalog.json');
  const real = readFileSync(catalogPath, 'utf8');
  try {
    const empty = { ...(JSON.parse(real) as Record<string, unknown>), tools: [] };
    writeFileSync(catalogPath, JSON.stringify(empty));
    const r = spawnSync(process.execPath, [bundle, ...scanArgs()], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { findings: unknown[] }).findings, []);
    rmSync(catalogPath);
    const missing = spawnSync(process.execPath, [bundle, ...scanArgs()], { encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.ok(missing.stderr.includes(`cannot read catalog ${catalogPath}`), missing.stderr);
  } finally {
    writeFileSync(catalogPath, real);
  }
});

test('install-service from the bundled install points the unit at its bin/warden-agent.js with the V8 flags', () => {
  const out = join(dir, 'service');
  const r = spawnSync(process.execPath, [join(install, 'bin/warden-agent.js'), 'install-service', '--os', 'linux', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const exec = /^ExecStart=(.*)$/m.exec(readFileSync(join(out, 'warden-agent.service'), 'utf8'))?.[1];
  assert.equal(exec, [process.execPath, ...NODE_FLAGS, join(install, 'bin/warden-agent.js'), 'run'].join(' '));
});

test('the bundle holds no compiler and no binaryen, and the check would catch them', () => {
  const inputs = (JSON.parse(readFileSync(join(install, 'build/warden-agent.inputs.json'), 'utf8')) as string[]);
  assert.ok(inputs.includes('agent/src/cli.ts') && inputs.includes('agent/src/policy/evaluate.ts'), 'input list names the agent sources');
  const text = readFileSync(bundle, 'utf8');
  assert.deepEqual(forbiddenContent(inputs, text), []);
  assert.ok(!text.includes('compiler/src/'), 'no compiler source path in the bundle');
  assert.ok(/opa-wasm|loadPolicy/.test(text), 'the opa-wasm SDK is bundled');
  assert.deepEqual(forbiddenContent(['agent/src/cli.ts', 'compiler/src/emitter/emit.ts', 'node_modules/binaryen/index.js'], ''), ['compiler/src/emitter/emit.ts', 'node_modules/binaryen/index.js']);
  assert.deepEqual(forbiddenContent([], 'const b = require("binaryen")'), ["the text 'binaryen'"]);
});

test('bin/warden-agent.js ignores a bundle older than an edited source: it falls back to the sources', () => {
  // This install has no tsx or sources to fall back to, so the fallback shows as a failure to load tsx.
  const src = join(install, 'agent/src/cli.ts');
  mkdirSync(join(src, '..'), { recursive: true });
  writeFileSync(src, '// edited after the build\n');
  try {
    const future = new Date(Date.now() + 60_000);
    utimesSync(src, future, future);
    const r = spawnSync(process.execPath, [join(install, 'bin/warden-agent.js'), '--help'], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /tsx/);
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(src, past, past);
    const ok = spawnSync(process.execPath, [join(install, 'bin/warden-agent.js'), '--help'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /usage: warden-agent/);
  } finally {
    rmSync(join(install, 'agent'), { recursive: true, force: true });
  }
});
