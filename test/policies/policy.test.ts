// The fleet policy for real: policies/*.rego compiled by warden's compiler, the Rego unit tests run
// in the SDK, and the bundle (with the example ban list) loaded and evaluated by the agent's policy
// stage, then enforced on real files. Also: bad bundles are refused with clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { buildBundle, compile, formatDiagnostic } from '../../compiler/src/index.ts';
import { generateSigningKey, signBundleArchive } from '../../wire/src/bundle-signing.ts';
import { packBundle, unpackBundle } from '../../wire/src/bundle-archive.ts';
import { BanList } from '../../wire/src/banlist.ts';
import { LADDER_RANK } from '../../wire/src/decision.ts';
import { validate } from '../../wire/src/validate.ts';
import { loadPolicyBundle, PolicyBundleError, ENTRYPOINT } from '../../agent/src/policy/bundle.ts';
import { PolicyEngine } from '../../agent/src/policy/evaluate.ts';
import { buildPolicyInput } from '../../agent/src/policy/input.ts';
import { coerceSemver, compareSemver } from '../../agent/src/policy/semver.ts';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { runEnforceCommand as enforceCommand, type CommandIo } from '../../agent/src/enforce/command.ts';
import { runQuarantineCommand as quarantineCommand } from '../../agent/src/enforce/quarantine-command.ts';
import { listQuarantine } from '../../agent/src/enforce/vault.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { describeTree, diffTrees } from '../../agent/src/enforce/tree.ts';
import { finding, inventory, npmInstall, tempRoot } from '../enforce/fixtures.ts';

const POLICY_DIR = join(import.meta.dirname, '..', '..', 'policies');
const modules = readdirSync(POLICY_DIR)
  .filter((f) => f.endsWith('.rego'))
  .map((f) => ({ file: `policies/${f}`, source: readFileSync(join(POLICY_DIR, f), 'utf8') }));
const example = validate(BanList, JSON.parse(readFileSync(join(POLICY_DIR, 'examples', 'ban-claude-code.json'), 'utf8')), 'example ban list');
const key = generateSigningKey();

let bundlePromise: Promise<Buffer> | null = null;
/** Compiles policies/ once per run, with a given ban list as data, and signs it. */
async function signedBundle(data: Record<string, unknown> = example): Promise<Buffer> {
  const build = async (): Promise<Buffer> => {
    const policyModules = modules.filter((m) => !m.file.endsWith('_test.rego'));
    const r = await buildBundle({ modules: policyModules, entrypoints: [ENTRYPOINT], data, revision: 'test-rev-1' });
    assert.ok(r.bundle, r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    return signBundleArchive(r.bundle, key);
  };
  if (data !== example) return build();
  bundlePromise ??= build();
  return bundlePromise;
}

/** Replaces data.json inside a built bundle (no recompilation) and re-signs it. */
async function withData(archive: Buffer, data: unknown): Promise<Buffer> {
  const files = await unpackBundle(archive);
  files.delete('.signatures.json');
  files.set('data.json', Buffer.from(JSON.stringify(data)));
  return signBundleArchive(packBundle(files), key);
}

test('Rego unit tests in policies/ pass when compiled by warden and run in the opa-wasm SDK', async () => {
  const tests: string[] = [];
  for (const m of modules) {
    if (!m.file.endsWith('_test.rego')) continue;
    const pkg = /^package\s+([\w.]+)/m.exec(m.source)![1]!.replace(/\./g, '/');
    for (const match of m.source.matchAll(/^(test_\w+)\s+if\b/gm)) tests.push(`${pkg}/${match[1]}`);
  }
  assert.ok(tests.length >= 30, `found ${tests.length} Rego tests`);
  const r = await compile({ modules, entrypoints: tests });
  assert.ok(r.wasm, r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  const policy = await loadPolicy(r.wasm);
  policy.setData({});
  const failed: string[] = [];
  for (const ep of tests) {
    let rs: unknown;
    try {
      rs = policy.evaluate(undefined, ep);
    } catch (e) {
      failed.push(`${ep}: error ${typeof e === 'string' ? e : (e as Error).message}`);
      continue;
    }
    const ok = Array.isArray(rs) && rs.length > 0 && rs.every((x: { result?: unknown }) => x.result === true);
    if (!ok) failed.push(`${ep}: ${JSON.stringify(rs)}`);
  }
  assert.deepEqual(failed, []);
});

test('the strictness ladder in Rego equals the one in wire/src/decision.ts', async () => {
  const r = await compile({ modules: modules.filter((m) => !m.file.endsWith('_test.rego')), entrypoints: ['warden/rank'] });
  assert.ok(r.wasm);
  const policy = await loadPolicy(r.wasm);
  const rs = policy.evaluate({}, 'warden/rank') as { result: unknown }[];
  assert.deepEqual(rs[0]!.result, LADDER_RANK);
});

function sampleInventory(root: string) {
  // alice's own install (in her home): the agent acts on a user's install only where the catalog puts it.
  const claude = npmInstall(root, '@anthropic-ai/claude-code', 'claude', { prefix: join('home', 'alice', '.npm-global') });
  const qoder = npmInstall(root, 'qoder-cli', 'qoder');
  const fc = finding('claude-code', 'Claude Code (CLI)', claude, [], { vendor: 'Anthropic PBC', user: 'alice' });
  const fq = finding('qoder-cli', 'Qoder CLI', qoder, [], { vendor: 'Alibaba', vendor_country: 'CN' });
  const inv = inventory(root, [fc, fq]);
  inv.host.users = ['alice'];
  return { inv, claude, qoder };
}

test('agent evaluates the signed bundle: Claude Code quarantined with the company message, Qoder allowed', async () => {
  const t = tempRoot('policy-e2e');
  try {
    const bundle = await loadPolicyBundle(await signedBundle(), { publicKeyPem: key.publicKeyPem });
    assert.equal(bundle.signed, true);
    assert.equal(bundle.revision, 'test-rev-1');
    const engine = await PolicyEngine.load(bundle);
    const { inv } = sampleInventory(t.root);
    const input = buildPolicyInput(inv, { id: 'dev-1', groups: [], userGroups: {} }, new Date('2026-06-01T00:00:00Z'), []);
    const ds = engine.evaluate(input);
    assert.equal(ds.length, 2);
    const c = ds.find((d) => d.tool === 'claude-code')!;
    assert.equal(c.action, 'quarantine');
    assert.equal(c.rule, 'ban-claude-code');
    assert.match(c.message, /Claude Code is banned/);
    assert.match(c.alternative, /Qoder/);
    assert.equal(c.monitor, false);
    const q = ds.find((d) => d.tool === 'qoder-cli')!;
    assert.equal(q.action, 'allow');
    assert.equal(q.rule, 'allow-qoder');
  } finally {
    t.cleanup();
  }
});

test('an exception with a future expiry allows (nothing moved); one with a past expiry no longer does (quarantined)', async () => {
  const engine = await PolicyEngine.load(await loadPolicyBundle(await signedBundle(), { publicKeyPem: key.publicKeyPem }));
  const now = new Date('2026-06-01T12:00:00Z');
  for (const [expires, expectAction] of [
    ['2026-07-01T00:00:00Z', 'allow'],
    ['2026-05-01T00:00:00Z', 'quarantine'],
  ] as const) {
    const t = tempRoot('policy-exception');
    try {
      const { inv, claude } = sampleInventory(t.root);
      const before = describeTree(t.root);
      const input = buildPolicyInput(inv, { id: 'dev-1', groups: [], userGroups: {} }, now, [
        { id: 'ex-alice', tool: 'claude-code', user: 'alice', expires, reason: 'migration project' },
      ]);
      const ds = engine.evaluate(input);
      const c = ds.find((d) => d.tool === 'claude-code')!;
      assert.equal(c.action, expectAction, `exception expiring ${expires}`);
      await enforceDecisions(ds, inv, { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: engine.revision, now });
      if (expectAction === 'allow') {
        assert.equal(c.rule, 'ex-alice');
        assert.deepEqual(diffTrees(before, describeTree(t.root)), []);
      } else {
        assert.equal(existsSync(claude.pkgDir), false);
        assert.equal(listQuarantine(enforceState(t.state)).length, 1);
      }
    } finally {
      t.cleanup();
    }
  }
});

test('monitor mode from the ban list: decisions are flagged and enforcement changes nothing on disk', async () => {
  const t = tempRoot('policy-monitor');
  try {
    const archive = await withData(await signedBundle(), { ...example, mode: 'monitor' });
    const engine = await PolicyEngine.load(await loadPolicyBundle(archive, { publicKeyPem: key.publicKeyPem }));
    const { inv } = sampleInventory(t.root);
    const before = describeTree(t.root);
    const ds = engine.evaluate(buildPolicyInput(inv, { id: 'd', groups: [], userGroups: {} }, new Date(), []));
    assert.ok(ds.every((d) => d.monitor));
    assert.equal(ds.find((d) => d.tool === 'claude-code')!.action, 'quarantine');
    await enforceDecisions(ds, inv, { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: engine.revision });
    assert.deepEqual(diffTrees(before, describeTree(t.root)), []);
  } finally {
    t.cleanup();
  }
});

test('version ranges and groups through the compiled policy: ban Claude Code < 2.0 for contractors only', async () => {
  const t = tempRoot('policy-range');
  try {
    const list = {
      ...example,
      rules: [{ id: 'old-claude-contractors', action: 'block', match: { tools: ['claude-code'], version: { lt: '2.0.0' }, user_groups: ['contractors'] } }],
    };
    const engine = await PolicyEngine.load(await loadPolicyBundle(await withData(await signedBundle(), list), { publicKeyPem: key.publicKeyPem }));
    const { inv } = sampleInventory(t.root); // claude-code 1.0.3 owned by alice
    const decide = (groups: string[], version: string) => {
      inv.findings[0]!.version = version;
      return engine.evaluate(buildPolicyInput(inv, { id: 'd', groups: [], userGroups: { alice: groups } }, new Date(), []))[0]!.action;
    };
    assert.equal(decide(['contractors'], '1.0.3'), 'block');
    assert.equal(decide(['contractors'], '1.9'), 'block'); // coerced to 1.9.0
    assert.equal(decide(['contractors'], '2.0.1'), 'allow');
    assert.equal(decide(['engineering'], '1.0.3'), 'allow');
  } finally {
    t.cleanup();
  }
});

test('bad bundles are refused with clear errors', async () => {
  const good = await signedBundle();
  await assert.rejects(loadPolicyBundle(good.subarray(0, good.length - 40), { publicKeyPem: key.publicKeyPem }), PolicyBundleError);
  await assert.rejects(loadPolicyBundle(good, {}), /refusing to evaluate an unverified bundle/);
  await assert.rejects(loadPolicyBundle(good, { publicKeyPem: generateSigningKey().publicKeyPem }), /bundle refused: .*not the pinned key/);
  const badData = await withData(good, { ...example, rules: [{ id: 'x', action: 'nuke', match: {} }] });
  await assert.rejects(loadPolicyBundle(badData, { publicKeyPem: key.publicKeyPem }), /ban list in bundle data\.json: \/rules\/0\/action/);
  const dup = await withData(good, { ...example, rules: [example.rules[0], example.rules[0]] });
  await assert.rejects(loadPolicyBundle(dup, { publicKeyPem: key.publicKeyPem }), /appears twice/);
});

test('semver coercion and comparison', () => {
  assert.equal(coerceSemver('2.0'), '2.0.0');
  assert.equal(coerceSemver('v1.4.2'), '1.4.2');
  assert.equal(coerceSemver('1.2.3.4'), '1.2.3');
  assert.equal(coerceSemver('1.0.0-beta.2'), '1.0.0-beta.2');
  assert.equal(coerceSemver('latest'), null);
  assert.equal(coerceSemver(null), null);
  assert.equal(compareSemver('1.0.0-alpha', '1.0.0'), -1);
  assert.equal(compareSemver('1.0.0-alpha.1', '1.0.0-alpha.beta'), -1);
  assert.equal(compareSemver('1.10.0', '1.9.0'), 1);
  assert.equal(compareSemver('2.0.0+build', '2.0.0'), 0);
  assert.throws(() => compareSemver('2.0', '2.0.0'), /not a valid semver/);
});

/** Runs a CLI command in-process, capturing what it prints (without touching the process streams,
 * which the test runner itself reports through). */
async function runCli(cmd: (a: string[], io: CommandIo) => Promise<number>, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await cmd(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('warden-agent enforce on a real scan: the running banned tool is killed and quarantined, the allowed one keeps running; quarantine list/restore', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const t = tempRoot('cli');
  const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
  const qoder = npmInstall(t.root, '@qoder-ai/qodercli', 'qodercli');
  const start = async (script: string) => {
    const c = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'ignore'] });
    await once(c.stdout, 'data');
    return c;
  };
  const pClaude = await start(claude.cli);
  const pQoder = await start(qoder.cli);
  try {
    const before = describeTree(t.root);
    const bundlePath = join(t.dir, 'bundle.tar.gz');
    const keyPath = join(t.dir, 'bundle.pub');
    writeFileSync(bundlePath, await signedBundle());
    writeFileSync(keyPath, key.publicKeyPem);
    const common = ['--bundle', bundlePath, '--root', t.root, '--os', 'linux', '--state', t.state, '--public-key', keyPath, '--processes'];

    const dry = await runCli(enforceCommand, [...common, '--dry-run']);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /claude-code:npm:-\s+→\s+quarantine\s+\[ban-claude-code\]/);
    assert.match(dry.out, new RegExp(`would terminate pids ${pClaude.pid}`));
    assert.deepEqual(diffTrees(before, describeTree(t.root)), []);
    assert.equal(pClaude.exitCode, null);

    const exited = once(pClaude, 'exit');
    const run = await runCli(enforceCommand, [...common, '--json']);
    assert.equal(run.code, 0, run.err);
    const doc = JSON.parse(run.out) as { bundle: { signed: boolean }; decisions: { tool: string; action: string }[]; actions: { tool: string; steps: string[] }[] };
    assert.equal(doc.bundle.signed, true);
    assert.equal(doc.decisions.find((d) => d.tool === 'claude-code')?.action, 'quarantine');
    await exited;
    assert.equal(pQoder.exitCode, null, 'the allowed tool keeps running');
    assert.equal(existsSync(claude.pkgDir), false);

    const list = await runCli(quarantineCommand, ['list', '--root', t.root, '--os', 'linux', '--state', t.state, '--json']);
    const entries = JSON.parse(list.out) as { id: string; tool: string }[];
    assert.equal(entries.length, 1);
    const restored = await runCli(quarantineCommand, ['restore', entries[0]!.id, '--root', t.root, '--os', 'linux', '--state', t.state]);
    assert.equal(restored.code, 0, restored.err);
    assert.deepEqual(diffTrees(before, describeTree(t.root)), []);

    const bad = await runCli(enforceCommand, ['--bundle', bundlePath, '--root', t.root, '--os', 'linux', '--state', t.state]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /no bundle key/);
  } finally {
    for (const c of [pClaude, pQoder]) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    t.cleanup();
  }
});

test('the agent refuses wrong policy output: unknown/duplicate/missing findings, a wrong tool, an invalid action', async () => {
  // A deliberately broken policy whose misbehaviour is picked by input.device.id.
  const source = `package warden

d(f, tool, action) := {"finding": f.id, "tool": tool, "action": action, "reason": "r", "message": "m", "alternative": "", "rule": "", "grace_until": null, "monitor": false, "settings": null}

decisions := [d(f, "another-tool", "allow") | f := input.findings[_]] if input.device.id == "wrong-tool"
decisions := [d(f, f.tool, "nuke") | f := input.findings[_]] if input.device.id == "bad-action"
decisions := array.concat(ds, ds) if { input.device.id == "duplicate"; ds := [d(f, f.tool, "allow") | f := input.findings[_]] }
decisions := [] if input.device.id == "missing"
decisions := [{"finding": "ghost", "tool": "x", "action": "allow", "reason": "", "message": "", "alternative": "", "rule": "", "grace_until": null, "monitor": false, "settings": null}] if input.device.id == "unknown"
`;
  const built = await buildBundle({ modules: [{ file: 'broken.rego', source }], entrypoints: [ENTRYPOINT], data: example as unknown as Record<string, unknown> });
  assert.ok(built.bundle, built.diagnostics.map((x) => formatDiagnostic(x)).join('\n'));
  const engine = await PolicyEngine.load(await loadPolicyBundle(built.bundle, { allowUnsigned: true }));
  const t = tempRoot('broken-policy');
  try {
    const { inv } = sampleInventory(t.root);
    const run = (id: string) => () => engine.evaluate(buildPolicyInput(inv, { id, groups: [], userGroups: {} }, new Date(), []));
    assert.throws(run('wrong-tool'), /names tool 'another-tool'/);
    assert.throws(run('bad-action'), /policy decisions: \/0\/action/);
    assert.throws(run('duplicate'), /two decisions for finding/);
    assert.throws(run('missing'), /no decision for finding/);
    assert.throws(run('unknown'), /unknown finding 'ghost'/);
    assert.throws(run('anything-else'), /returned no result/);
  } finally {
    t.cleanup();
  }
});

test('warden-agent enforce --watch: a blocked tool launched again while the watch runs is killed and recorded', { skip: process.platform !== 'linux' && 'needs /proc', timeout: 120_000 }, async () => {
  const t = tempRoot('cli-watch');
  const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
  let relaunched: ReturnType<typeof spawn> | null = null;
  try {
    const list = { ...example, rules: [{ id: 'block-claude', action: 'block', match: { tools: ['claude-code'] } }] };
    const bundlePath = join(t.dir, 'bundle.tar.gz');
    const keyPath = join(t.dir, 'bundle.pub');
    writeFileSync(bundlePath, await withData(await signedBundle(), list));
    writeFileSync(keyPath, key.publicKeyPem);
    const cli = runCli(enforceCommand, ['--bundle', bundlePath, '--root', t.root, '--os', 'linux', '--state', t.state, '--public-key', keyPath, '--watch', '4']);
    // Launch the banned tool once the watch list exists (the enforce run has finished deciding).
    const watchList = enforceState(t.state).watchList;
    while (!existsSync(watchList)) await new Promise((r) => setTimeout(r, 50));
    relaunched = spawn(claude.binLink, [], { stdio: 'ignore' });
    const [, sig] = await once(relaunched, 'exit');
    assert.ok(sig === 'SIGTERM' || sig === 'SIGKILL');
    const res = await cli;
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, new RegExp(`watch: pid ${relaunched.pid} `));
    const { readEvents } = await import('../../agent/src/enforce/outbox.ts');
    const ev = readEvents(enforceState(t.state).outbox).find((e) => e.kind === 'watch_kill');
    assert.deepEqual(ev?.pids, [relaunched.pid]);
    assert.ok(existsSync(claude.pkgDir), 'block does not move files');
  } finally {
    if (relaunched && relaunched.exitCode === null && relaunched.signalCode === null) relaunched.kill('SIGKILL');
    t.cleanup();
  }
});

test('the example ban lists decide as their names say', async () => {
  const load = async (file: string) => {
    const list: unknown = JSON.parse(readFileSync(join(POLICY_DIR, 'examples', file), 'utf8'));
    return PolicyEngine.load(await loadPolicyBundle(await withData(await signedBundle(), list), { publicKeyPem: key.publicKeyPem }));
  };
  const t = tempRoot('examples');
  try {
    const inst = npmInstall(t.root, 'x', 'x');
    const f = (tool: string, country: string, category: string, version: string, user: string | null = 'alice') =>
      finding(tool, tool, inst, [], { vendor_country: country, category, version, user, channel: category === 'ide' ? 'app' : 'npm' });
    const inv = inventory(t.root, [f('qwen-code', 'CN', 'agentic-cli', '0.9.1'), f('claude-code', 'US', 'agentic-cli', '2.0.14'), f('cursor', 'US', 'ide', '1.5.0', null)]);
    inv.host.users = ['alice'];
    const decide = (engine: PolicyEngine, now: string, groups: string[] = [], device = 'laptop-1') =>
      Object.fromEntries(engine.evaluate(buildPolicyInput(inv, { id: device, groups: [], userGroups: { alice: groups } }, new Date(now), [])).map((d) => [d.tool, d]));

    const domestic = await load('domestic-vendors-only.json');
    let ds = decide(domestic, '2026-12-01T00:00:00Z');
    assert.equal(ds['qwen-code']!.action, 'allow');
    assert.equal(ds['claude-code']!.action, 'block'); // no rule matches: the default
    assert.equal(ds['cursor']!.action, 'warn'); // foreign IDE, inside the grace period
    assert.equal(ds['cursor']!.grace_until, '2026-12-31T00:00:00Z');
    ds = decide(domestic, '2027-01-02T00:00:00Z');
    assert.equal(ds['cursor']!.action, 'block');

    const managed = await load('configure-claude-code.json');
    ds = decide(managed, '2026-12-01T00:00:00Z');
    assert.equal(ds['claude-code']!.action, 'configure');
    assert.deepEqual((ds['claude-code']!.settings as { env: unknown }).env, { DISABLE_TELEMETRY: '1' });
    assert.equal(ds['qwen-code']!.action, 'observe');
    ds = decide(managed, '2026-12-01T00:00:00Z', ['contractors']);
    assert.equal(ds['claude-code']!.action, 'quarantine');
    inv.findings[1]!.version = '1.0.88';
    ds = decide(managed, '2026-12-01T00:00:00Z');
    assert.equal(ds['claude-code']!.action, 'block');
    ds = decide(managed, '2026-12-01T00:00:00Z', [], 'build-box-7');
    assert.equal(ds['claude-code']!.action, 'allow');
    assert.equal(ds['claude-code']!.rule, 'ex-migration-team');
  } finally {
    t.cleanup();
  }
});
