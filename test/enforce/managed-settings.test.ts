// Every tool's own managed settings from one ban list (policies/examples/allowed-under-rules.json),
// on every OS layout the vendors document, in a temp root: written in the tool's format, parsed back
// with that format's real parser (JSON.parse, smol-toml), idempotent, drift (edited, deleted,
// loosened, replaced) reported and repaired, reverted byte for byte; the no-follow write rules; the
// bundle may not move write locations.
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { BanList } from '../../wire/src/banlist.ts';
import { validate } from '../../wire/src/validate.ts';
import type { Decision } from '../../wire/src/decision.ts';
import type { Finding } from '../../wire/src/inventory.ts';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { readEvents } from '../../agent/src/enforce/outbox.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { listConfigured, refusedSettings, routeSettings, underRoot, type Os } from '../../agent/src/enforce/configure.ts';
import { loadManagedSettings, managedSettingsFromBundleData, managedTool } from '../../agent/src/catalog/managed-settings.ts';
import { decision, finding, inventory, npmInstall, tempRoot } from './fixtures.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'policies', 'examples', 'allowed-under-rules.json');
const list = validate(BanList, JSON.parse(readFileSync(EXAMPLE, 'utf8')) as unknown, 'example');
const data = loadManagedSettings();

/** One finding per tool a configure rule names, and the rule's decision for it. */
function setup(root: string): { findings: Finding[]; decisions: Decision[] } {
  const install = npmInstall(root, 'some-tool', 'some-tool');
  const findings: Finding[] = [];
  const decisions: Decision[] = [];
  for (const rule of list.rules.filter((r) => r.action === 'configure')) {
    for (const tool of rule.match.tools ?? []) {
      const f = finding(tool, tool, install);
      findings.push(f);
      decisions.push(decision(f, 'configure', { rule: rule.id, settings: rule.settings ?? null }));
    }
  }
  return { findings, decisions };
}

// smol-toml gives null-prototype tables: compare plain values.
const parse = (format: 'json' | 'toml', text: string): unknown => JSON.parse(format === 'toml' ? JSON.stringify(parseToml(text)) : text);

for (const os of ['linux', 'darwin', 'win32'] as Os[]) {
  test(`${os} layout: each tool's native managed file from one ban list, parsed back, idempotent, reverted byte for byte`, async () => {
    const t = tempRoot(`managed-${os}`);
    try {
      const { findings, decisions } = setup(t.root);
      const inv = inventory(t.root, findings);
      const opts = { stateDir: t.state, root: t.root, os, bundleRevision: 'r1' };
      // Claude Code's managed-settings.json was there before warden, with its own bytes and mode.
      const claudePath = underRoot(t.root, managedTool(data, 'claude-code')!.files[0]!.paths[os]!);
      mkdirSync(join(claudePath, '..'), { recursive: true });
      const before = '{\n  "companyAnnouncements": ["hello"],\n    "permissions": {"deny": ["WebFetch"]}\n}\n';
      writeFileSync(claudePath, before);
      chmodSync(claudePath, 0o640);

      const report = await enforceDecisions(decisions, inv, opts);
      const expected = new Map<string, { format: 'json' | 'toml'; value: Record<string, unknown> }>();
      for (const d of decisions) {
        for (const { file, settings } of routeSettings(managedTool(data, d.tool)!, os, d.settings!).files) {
          const p = underRoot(t.root, file.paths[os]!);
          expected.set(p, { format: file.format, value: { ...(expected.get(p)?.value ?? {}), ...settings } });
        }
      }
      // Claude (2 files), Codex, Gemini, Copilot shared by CLI + extension; VS Code's policy.json on Linux only.
      assert.equal(expected.size, os === 'linux' ? 6 : 5);
      for (const [p, e] of expected) {
        const got = parse(e.format, readFileSync(p, 'utf8')) as Record<string, unknown>;
        // Merged with what was there: the earlier key stays, the policy's permissions.deny list replaces the old one.
        const want = p === claudePath ? { companyAnnouncements: ['hello'], ...e.value } : e.value;
        assert.deepEqual(got, want, p);
        assert.equal(statSync(p).mode & 0o777, 0o644, `${p} readable by the tool, written by root only`);
      }
      const codex = parseToml(readFileSync(underRoot(t.root, managedTool(data, 'openai-codex-cli')!.files[0]!.paths[os]!), 'utf8'));
      assert.deepEqual(codex.allowed_sandbox_modes, ['read-only', 'workspace-write']);
      const claudeMcp = JSON.parse(readFileSync(underRoot(t.root, managedTool(data, 'claude-code')!.files[1]!.paths[os]!), 'utf8')) as Record<string, unknown>;
      assert.deepEqual(Object.keys(claudeMcp), ['mcpServers'], 'MCP servers go to managed-mcp.json, nothing else');
      const copilotSteps = report.actions.find((a) => a.tool === 'github-copilot')!.steps.join('\n');
      if (os === 'linux') {
        const policy = JSON.parse(readFileSync(join(t.root, 'etc', 'vscode', 'policy.json'), 'utf8')) as Record<string, unknown>;
        assert.equal(policy.ChatMCP, 'registry');
        assert.equal(policy.AllowedExtensions, '{"github": true, "microsoft": true}');
        // VS Code reads only strings, numbers and booleans there: an object in the rule is written as JSON text.
        const tool = managedTool(data, 'github-copilot')!;
        assert.deepEqual(routeSettings(tool, 'linux', { AllowedExtensions: { github: true } }).files[0]!.settings, { AllowedExtensions: '{"github":true}' });
      }
      else assert.match(copilotSteps, /not written on .*AllowedExtensions.*warden-agent configure --export/);
      assert.equal(listConfigured(enforceState(t.state)).length, expected.size);
      const events = readEvents(enforceState(t.state).outbox);
      assert.deepEqual(events.map((e) => `${e.kind}:${e.result}`), [...expected.keys()].map(() => 'configure:ok'));

      // The same policy again: nothing written, no event.
      const snapshot = new Map([...expected.keys()].map((p) => [p, readFileSync(p)]));
      await enforceDecisions(decisions, inv, { ...opts, bundleRevision: 'r2' });
      assert.equal(readEvents(enforceState(t.state).outbox).length, events.length);
      for (const [p, b] of snapshot) assert.ok(readFileSync(p).equals(b));

      // The policy stops configuring: every file back exactly as before warden.
      await enforceDecisions(decisions.map((d) => ({ ...d, action: 'allow' as const, settings: null })), inv, { ...opts, bundleRevision: 'r3' });
      assert.equal(readFileSync(claudePath, 'utf8'), before);
      assert.equal(statSync(claudePath).mode & 0o777, 0o640);
      for (const p of expected.keys()) if (p !== claudePath) assert.equal(existsSync(p), false, `${p} removed: there was none before warden`);
      assert.equal(listConfigured(enforceState(t.state)).length, 0);
    } finally {
      t.cleanup();
    }
  });
}

test('drift is reported and repaired: edited, permissions loosened, deleted, replaced by a symlink; also for a tool not found this cycle', async () => {
  const t = tempRoot('managed-drift');
  try {
    const install = npmInstall(t.root, 'gemini', 'gemini');
    const f = finding('gemini-cli', 'Gemini CLI', install);
    const d = decision(f, 'configure', { rule: 'gemini-managed', settings: { security: { disableYoloMode: true } } });
    const opts = { stateDir: t.state, root: t.root, os: 'linux' as const, bundleRevision: 'r' };
    await enforceDecisions([d], inventory(t.root, [f]), opts);
    const p = join(t.root, 'etc', 'gemini-cli', 'settings.json');
    const good = readFileSync(p);
    const state = enforceState(t.state);
    const drifts = () => readEvents(state.outbox).filter((e) => e.kind === 'drift');

    writeFileSync(p, '{"security": {"disableYoloMode": false}}');
    await enforceDecisions([d], inventory(t.root, [f]), opts);
    assert.match(drifts().at(-1)!.detail, /settings\.json edited; repaired/);
    assert.ok(readFileSync(p).equals(good));

    chmodSync(p, 0o666);
    await enforceDecisions([d], inventory(t.root, [f]), opts);
    assert.match(drifts().at(-1)!.detail, /permissions loosened \(mode 666\); repaired/);
    assert.equal(statSync(p).mode & 0o777, 0o644);

    rmSync(p);
    await enforceDecisions([d], inventory(t.root, [f]), opts);
    assert.match(drifts().at(-1)!.detail, /deleted; repaired/);
    assert.ok(readFileSync(p).equals(good));

    // The tool is not found this cycle (no decision names it): the file stays warden's and in force.
    rmSync(p);
    symlinkSync('/etc/hostname', p);
    await enforceDecisions([], inventory(t.root, []), opts);
    assert.match(drifts().at(-1)!.detail, /replaced by a symbolic link; repaired/);
    assert.ok(readFileSync(p).equals(good));
    assert.equal(drifts().length, 4);
    assert.ok(drifts().every((e) => e.result === 'ok' && e.paths?.[0] === p));
  } finally {
    t.cleanup();
  }
});

test('writes are no-follow: a symlinked folder, a folder owned by someone else, a symlinked target are refused, nothing written through them', async () => {
  const t = tempRoot('managed-nofollow');
  try {
    const install = npmInstall(t.root, 'claude', 'claude');
    const f = finding('claude-code', 'Claude Code', install);
    const d = decision(f, 'configure', { settings: { model: 'x' } });
    const opts = { stateDir: t.state, root: t.root, os: 'linux' as const, bundleRevision: 'r' };
    const elsewhere = join(t.dir, 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(join(t.root, 'etc'));
    symlinkSync(elsewhere, join(t.root, 'etc', 'claude-code'));
    let r = await enforceDecisions([d], inventory(t.root, [f]), opts);
    assert.match(r.actions[0]!.steps.join(), /etc\/claude-code is a symbolic link/);
    assert.equal(existsSync(join(elsewhere, 'managed-settings.json')), false);

    rmSync(join(t.root, 'etc', 'claude-code'));
    mkdirSync(join(t.root, 'etc', 'claude-code'));
    symlinkSync(join(elsewhere, 'target.json'), join(t.root, 'etc', 'claude-code', 'managed-settings.json'));
    r = await enforceDecisions([d], inventory(t.root, [f]), opts);
    assert.match(r.actions[0]!.steps.join(), /managed-settings\.json: it is a symbolic link/);
    assert.equal(existsSync(join(elsewhere, 'target.json')), false);

    if (process.getuid?.() === 0) {
      rmSync(join(t.root, 'etc', 'claude-code'), { recursive: true });
      mkdirSync(join(t.root, 'etc', 'claude-code'));
      chownSync(join(t.root, 'etc', 'claude-code'), 65534, 65534); // an employee's folder
      r = await enforceDecisions([d], inventory(t.root, [f]), opts);
      assert.match(r.actions[0]!.steps.join(), /is owned by uid 65534/);
      assert.equal(existsSync(join(t.root, 'etc', 'claude-code', 'managed-settings.json')), false);
    }
    assert.ok(readEvents(enforceState(t.state).outbox).every((e) => e.kind === 'configure' && e.result === 'failed'));
  } finally {
    t.cleanup();
  }
});

test('MCP servers are written as names and URLs only: a server with a command is refused', async () => {
  const t = tempRoot('managed-mcp');
  try {
    const install = npmInstall(t.root, 'claude', 'claude');
    const f = finding('claude-code', 'Claude Code', install);
    const settings = { mcpServers: { local: { type: 'stdio', command: 'node', args: ['/tmp/x.js'] } } };
    const r = await enforceDecisions([decision(f, 'configure', { settings })], inventory(t.root, [f]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r' });
    assert.match(r.actions[0]!.steps.join(), /refusing managed settings that could run commands: mcpServers\.local\.command/);
    assert.equal(existsSync(join(t.root, 'etc', 'claude-code', 'managed-mcp.json')), false);
    // Other ways a setting names a program to run.
    assert.deepEqual(refusedSettings({ env: { CLAUDE_CODE_SHELL_PREFIX: '/tmp/x', CLAUDE_CODE_GIT_BASH_PATH: 'C:/x.exe', DISABLE_TELEMETRY: '1' }, tools: { sandbox: '/tmp/evil' }, notify: ['x'] }), [
      'env.CLAUDE_CODE_SHELL_PREFIX (injects code into the tool\'s runtime)',
      'env.CLAUDE_CODE_GIT_BASH_PATH (injects code into the tool\'s runtime)',
      'tools.sandbox (names a program to run)',
      'notify (makes the tool run a program)',
    ]);
    assert.deepEqual(refusedSettings({ sandbox: { enabled: true, network: { allowManagedDomainsOnly: true } }, tools: { sandbox: true } }), []);
  } finally {
    t.cleanup();
  }
});

test("a bundle's managed-settings facts are used, unless they name a write location the agent does not ship", () => {
  const mine = structuredClone(data);
  mine.tools.find((x) => x.tool === 'gemini-cli')!.override_env.push({ name: 'GEMINI_API_BASE', why: 'test', source: 'https://example.invalid/' });
  const ok = managedSettingsFromBundleData({ managed_settings: mine });
  assert.equal(ok.source, 'bundle');
  const evil = structuredClone(data);
  evil.tools.find((x) => x.tool === 'gemini-cli')!.files[0]!.paths.linux = '/etc/cron.d/settings.json';
  const refused = managedSettingsFromBundleData({ managed_settings: evil });
  assert.equal(refused.source, 'shipped');
  assert.match(refused.problem ?? '', /write locations the agent does not ship: gemini-cli linux \/etc\/cron\.d\/settings\.json/);
  const bad = managedSettingsFromBundleData({ managed_settings: { format: 1, tools: [{ tool: 'x', files: [{ id: 'a', format: 'json', paths: { linux: '/etc/../root/x' }, keys: 'rest', source: 'https://e.invalid' }], exports: [], stale_locations: [], override_env: [], unmanaged_copies: [] }] } });
  assert.equal(bad.source, 'shipped');
  assert.match(bad.problem ?? '', /paths\/linux/);
});

test('a file the policy stops routing keys to is put back; a refused or monitor-mode change leaves the file in force', async () => {
  const t = tempRoot('managed-keys');
  try {
    const install = npmInstall(t.root, 'copilot', 'copilot');
    const f = finding('github-copilot', 'GitHub Copilot', install);
    const opts = { stateDir: t.state, root: t.root, os: 'darwin' as const, bundleRevision: 'r' };
    const p = join(t.root, 'Library', 'Application Support', 'GitHubCopilot', 'managed-settings.json');
    const both = { permissions: { disableBypassPermissionsMode: 'disable' }, ChatMCP: 'registry' };
    await enforceDecisions([decision(f, 'configure', { settings: both })], inventory(t.root, [f]), opts);
    assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')), { permissions: { disableBypassPermissionsMode: 'disable' } }, 'ChatMCP is a VS Code policy: not in this file');
    const written = readFileSync(p);

    const evil = decision(f, 'configure', { settings: { hooks: { Stop: [{ hooks: [{ type: 'command', command: 'id' }] }] } } });
    await enforceDecisions([evil], inventory(t.root, [f]), opts);
    assert.ok(readFileSync(p).equals(written), 'a refused change neither writes nor reverts');
    await enforceDecisions([{ ...decision(f, 'configure', { settings: { ChatMCP: 'none' } }), monitor: true }], inventory(t.root, [f]), opts);
    assert.ok(readFileSync(p).equals(written), 'monitor mode changes nothing');

    // On macOS only a profile carries VS Code policies: a rule left with those keys alone wants no file here.
    await enforceDecisions([decision(f, 'configure', { settings: { ChatMCP: 'registry' } })], inventory(t.root, [f]), opts);
    assert.equal(existsSync(p), false, 'there was no file before warden');
    assert.equal(readEvents(enforceState(t.state).outbox).at(-1)!.kind, 'revert');
  } finally {
    t.cleanup();
  }
});

test("an earlier agent's record (Claude Code in the old C:\\ProgramData location) is migrated: the old file is put back as it was, the new location written", async () => {
  const t = tempRoot('managed-legacy');
  try {
    const install = npmInstall(t.root, 'claude', 'claude');
    const f = finding('claude-code', 'Claude Code', install);
    const old = join(t.root, 'ProgramData', 'ClaudeCode', 'managed-settings.json');
    mkdirSync(join(old, '..'), { recursive: true });
    const before = '{"companyAnnouncements": ["from IT"]}\n';
    const wardenWrote = '{\n  "companyAnnouncements": [\n    "from IT"\n  ],\n  "model": "x"\n}\n';
    writeFileSync(old, wardenWrote);
    mkdirSync(join(t.state, 'configured'), { recursive: true });
    writeFileSync(
      join(t.state, 'configured', 'claude-code.json'),
      JSON.stringify({ tool: 'claude-code', path: old, previous: Buffer.from(before).toString('base64'), previous_mode: 0o600, written_sha256: createHash('sha256').update(wardenWrote).digest('hex'), rule: 'r0', bundle_revision: 'old', time: '2026-01-01T00:00:00.000Z' }),
    );
    await enforceDecisions([decision(f, 'configure', { settings: { model: 'x' } })], inventory(t.root, [f]), { stateDir: t.state, root: t.root, os: 'win32', bundleRevision: 'r' });
    assert.equal(readFileSync(old, 'utf8'), before, 'the stale location is back as it was before warden');
    assert.equal(statSync(old).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(join(t.root, 'Program Files', 'ClaudeCode', 'managed-settings.json'), 'utf8')), { model: 'x' });
    assert.deepEqual(listConfigured(enforceState(t.state)).map((r) => r.path), [join(t.root, 'Program Files', 'ClaudeCode', 'managed-settings.json')]);
    assert.equal(existsSync(join(t.state, 'configured', 'claude-code.json')), false);
  } finally {
    t.cleanup();
  }
});

test('several findings of one tool (two users) share its machine-wide file: written once, and a later cycle writes nothing at all', async () => {
  const t = tempRoot('managed-two-users');
  try {
    const install = npmInstall(t.root, 'gemini', 'gemini');
    const fa = finding('gemini-cli', 'Gemini CLI', install, [], { user: 'alice' });
    const fb = finding('gemini-cli', 'Gemini CLI', install, [], { user: 'bob' });
    const settings = { security: { disableYoloMode: true } };
    const ds = [decision(fa, 'configure', { settings }), decision(fb, 'configure', { settings })];
    const opts = { stateDir: t.state, root: t.root, os: 'linux' as const, bundleRevision: 'r' };
    await enforceDecisions(ds, inventory(t.root, [fa, fb]), opts);
    const recs = listConfigured(enforceState(t.state));
    assert.deepEqual(recs.map((r) => r.tools), [['gemini-cli']]);
    const recFile = join(t.state, 'configured', readdirSync(join(t.state, 'configured'))[0]!);
    const stamp = statSync(recFile).mtimeMs;
    const file = statSync(join(t.root, 'etc', 'gemini-cli', 'settings.json')).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await enforceDecisions(ds, inventory(t.root, [fa, fb]), opts);
    assert.equal(statSync(recFile).mtimeMs, stamp, 'the record is not rewritten');
    assert.equal(statSync(join(t.root, 'etc', 'gemini-cli', 'settings.json')).mtimeMs, file, 'nor the file');
  } finally {
    t.cleanup();
  }
});
