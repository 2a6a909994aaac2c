// Bypass signals on real files and a real process, through the real policy: the example ban list
// (policies/examples/allowed-under-rules.json) compiled by warden's compiler once, evaluated in the
// opa-wasm SDK. An override variable is seen by NAME in a process the test starts; its value is
// never in the policy input, the decisions, the events or any state file. Also: the MDM artefacts
// (`warden-agent configure --export`) parsed back with a plist parser.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parsePlist } from 'plist';
import { buildBundle, formatDiagnostic } from '../../compiler/src/index.ts';
import { packBundle, unpackBundle } from '../../wire/src/bundle-archive.ts';
import { ENTRYPOINT, loadPolicyBundle } from '../../agent/src/policy/bundle.ts';
import { PolicyEngine } from '../../agent/src/policy/evaluate.ts';
import { buildPolicyInput } from '../../agent/src/policy/input.ts';
import { detectBypasses, environNames, withBypasses } from '../../agent/src/inventory/bypass.ts';
import { readStat } from '../../agent/src/process/linux.ts';
import { loadManagedSettings } from '../../agent/src/catalog/managed-settings.ts';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { runConfigureCommand } from '../../agent/src/enforce/configure-command.ts';
import type { Finding, Inventory } from '../../wire/src/inventory.ts';
import { finding, inventory, npmInstall, tempRoot } from './fixtures.ts';

const POLICIES = join(import.meta.dirname, '..', '..', 'policies');
const EXAMPLE = join(POLICIES, 'examples', 'allowed-under-rules.json');
const data = loadManagedSettings();
const SECRET = 'https://SECRET-VALUE-7f3a9.example/v1';

let compiled: Promise<Buffer> | null = null;
/** policies/*.rego compiled once; each example list goes in as the bundle's data.json (no recompiling). */
async function exampleEngine(list = EXAMPLE): Promise<PolicyEngine> {
  compiled ??= (async () => {
    const modules = readdirSync(POLICIES)
      .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
      .map((f) => ({ file: `policies/${f}`, source: readFileSync(join(POLICIES, f), 'utf8') }));
    const r = await buildBundle({ modules, entrypoints: [ENTRYPOINT], data: {}, revision: 'example' });
    assert.ok(r.bundle, r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    return r.bundle;
  })();
  const files = await unpackBundle(await compiled);
  files.set('data.json', readFileSync(list));
  return PolicyEngine.load(await loadPolicyBundle(packBundle(files), { allowUnsigned: true }));
}

const children: ReturnType<typeof spawn>[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

function withUsers(inv: Inventory, users: string[]): Inventory {
  return { ...inv, host: { ...inv.host, users } };
}

function decide(e: PolicyEngine, inv: Inventory, os: 'linux' | 'win32', root: string) {
  const bypasses = detectBypasses(inv, { root, os, data });
  const input = buildPolicyInput(inv, { id: 'dev-1', groups: [], userGroups: {} }, new Date('2026-06-01T12:00:00Z'), [], bypasses);
  return { bypasses, input, decisions: e.evaluate(input) };
}

test('an override variable in a running tool is seen by name only and escalates configure to block; its value is stored nowhere', { skip: process.platform !== 'linux' }, async () => {
  const t = tempRoot('bypass-env');
  try {
    const child = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1e6)'], {
      env: { PATH: process.env.PATH ?? '', ANTHROPIC_BASE_URL: SECRET, GEMINI_CLI_SYSTEM_SETTINGS_PATH: '/tmp/SECRET-VALUE-2' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(child);
    await once(child.stdout!, 'data');
    const pid = child.pid!;
    const names = environNames(pid);
    assert.ok(names?.includes('ANTHROPIC_BASE_URL') && names.includes('PATH'));
    assert.ok(!names!.some((n) => n.includes('SECRET')), 'names only');

    const install = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const running = [{ pid, name: 'node', matched: process.execPath, start: readStat(pid)!.start }];
    const claude = finding('claude-code', 'Claude Code', install, running);
    const gemini = finding('gemini-cli', 'Gemini CLI', install); // not running: nothing to read
    const copilot = finding('github-copilot-cli', 'Copilot CLI', install, running); // no override variables in its data
    const inv = inventory(t.root, [claude, gemini, copilot]);
    const { bypasses, input, decisions } = decide(await exampleEngine(), inv, 'linux', t.root);
    assert.deepEqual(bypasses, [[{ kind: 'override_env', name: 'ANTHROPIC_BASE_URL' }], [], []]);
    const d = decisions.find((x) => x.tool === 'claude-code')!;
    assert.equal(d.action, 'block');
    assert.equal(d.rule, 'managed-settings-bypassed');
    assert.match(d.reason, /managed settings bypassed: override_env ANTHROPIC_BASE_URL/);
    assert.equal(decisions.find((x) => x.tool === 'gemini-cli')!.action, 'configure');

    // A pid reused by another process (other start time) is not read.
    assert.deepEqual(detectBypasses(inventory(t.root, [finding('claude-code', 'Claude Code', install, [{ ...running[0]!, start: '1' }])]), { root: t.root, os: 'linux', data }), [[]]);

    const report = await enforceDecisions(decisions, inv, { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'example', termTimeoutMs: 200 });
    const seen = [JSON.stringify(input), JSON.stringify(decisions), JSON.stringify(report)];
    const walk = (dir: string): void => {
      for (const n of readdirSync(dir)) {
        const p = join(dir, n);
        if (statSync(p).isDirectory()) walk(p);
        else seen.push(readFileSync(p, 'latin1'));
      }
    };
    walk(t.state);
    for (const s of seen) assert.ok(!s.includes('SECRET-VALUE'), 'an environment value reached the input, a decision, an event or a state file');
    assert.equal(child.exitCode, null, 'the process is not the proven tool install: never signalled');
  } finally {
    t.cleanup();
  }
});

test('a stale managed file (old Windows ProgramData location) warns; an unmanaged copy under ~/.vscode-server blocks; nothing else escalates', async () => {
  const t = tempRoot('bypass-files');
  try {
    const install = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const e = await exampleEngine();
    const claudeAlice: Finding = finding('claude-code', 'Claude Code', install, [], { user: 'alice' });
    const geminiAlice: Finding = finding('gemini-cli', 'Gemini CLI', install, [], { user: 'alice' });
    let r = decide(e, withUsers(inventory(t.root, [claudeAlice, geminiAlice]), ['alice']), 'win32', t.root);
    assert.deepEqual(r.decisions.map((d) => d.action), ['configure', 'configure']);

    mkdirSync(join(t.root, 'ProgramData', 'ClaudeCode'), { recursive: true });
    writeFileSync(join(t.root, 'ProgramData', 'ClaudeCode', 'managed-settings.json'), '{}');
    r = decide(e, withUsers(inventory(t.root, [claudeAlice, geminiAlice]), ['alice']), 'win32', t.root);
    assert.deepEqual(r.bypasses[0], [{ kind: 'stale_location', name: '/ProgramData/ClaudeCode/managed-settings.json' }]);
    assert.equal(r.decisions[0]!.action, 'warn');
    assert.equal(r.decisions[0]!.rule, 'stale-managed-file');
    assert.equal(r.decisions[1]!.action, 'configure');
    // The same file means nothing on Linux: the data names it for Windows only.
    assert.deepEqual(detectBypasses(inventory(t.root, [claudeAlice]), { root: t.root, os: 'linux', data }), [[]]);

    mkdirSync(join(t.root, 'home', 'alice', '.vscode-server', 'extensions'), { recursive: true });
    const machineWide = finding('claude-code', 'Claude Code', install);
    r = decide(e, withUsers(inventory(t.root, [claudeAlice, machineWide, geminiAlice]), ['alice', 'bob']), 'linux', t.root);
    assert.deepEqual(r.bypasses, [[{ kind: 'unmanaged_copy', name: '~/.vscode-server/extensions' }], [{ kind: 'unmanaged_copy', name: '~/.vscode-server/extensions' }], []]);
    assert.deepEqual(r.decisions.map((d) => d.action), ['block', 'block', 'configure']);
    // The signals travel with the inventory (uploaded, so the server's impact preview sees them) and
    // the policy input takes them from there.
    const shipped = withBypasses(withUsers(inventory(t.root, [claudeAlice, geminiAlice]), ['alice']), { root: t.root, os: 'linux', data });
    assert.deepEqual(shipped.findings.map((f) => f.bypasses), [[{ kind: 'unmanaged_copy', name: '~/.vscode-server/extensions' }], undefined]);
    const fromInventory = buildPolicyInput(shipped, { id: 'dev-1', groups: [], userGroups: {} }, new Date('2026-06-01T12:00:00Z'), []);
    assert.deepEqual(e.evaluate(fromInventory).map((d) => d.action), ['block', 'configure']);
    const bob = finding('claude-code', 'Claude Code', install, [], { user: 'bob' });
    assert.deepEqual(detectBypasses(withUsers(inventory(t.root, [bob]), ['alice', 'bob']), { root: t.root, os: 'linux', data }), [[]], "alice's copy is not bob's");
  } finally {
    t.cleanup();
  }
});

test('configure --export writes the MDM artefacts for VS Code policies from the same ban list: .mobileconfig (parsed as a plist), .reg and .ps1', async () => {
  const t = tempRoot('export');
  try {
    let out = '';
    const io = { out: (s: string) => (out += s), err: (s: string) => (out += s) };
    assert.equal(await runConfigureCommand(['--export', EXAMPLE, '--os', 'darwin', '--out', join(t.dir, 'mac')], io), 0, out);
    const profile = parsePlist(readFileSync(join(t.dir, 'mac', 'github-copilot-copilot-managed.mobileconfig'), 'utf8')) as Record<string, unknown>;
    assert.equal(profile.PayloadType, 'Configuration');
    const payload = (profile.PayloadContent as Record<string, unknown>[])[0]!;
    assert.equal(payload.PayloadType, 'com.microsoft.VSCode');
    assert.equal(payload.AllowedExtensions, '{"github": true, "microsoft": true}');
    assert.equal(payload.ChatMCP, 'registry');
    assert.equal(payload.ChatToolsAutoApprove, false);
    assert.equal(payload.permissions, undefined, "Copilot's managed-settings.json keys are not VS Code policies");

    assert.equal(await runConfigureCommand(['--export', EXAMPLE, '--os', 'win32', '--out', join(t.dir, 'win')], io), 0, out);
    const reg = readFileSync(join(t.dir, 'win', 'github-copilot-copilot-managed.reg'));
    assert.deepEqual([...reg.subarray(0, 2)], [0xff, 0xfe], 'UTF-16LE with a byte-order mark, as regedit expects');
    const lines = reg.subarray(2).toString('utf16le').split('\r\n');
    assert.equal(lines[0], 'Windows Registry Editor Version 5.00');
    assert.equal(lines[2], '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\VSCode]');
    assert.deepEqual(lines.slice(3, 6), ['"AllowedExtensions"="{\\"github\\": true, \\"microsoft\\": true}"', '"ChatMCP"="registry"', '"ChatToolsAutoApprove"=dword:00000000']);
    const ps1 = readFileSync(join(t.dir, 'win', 'github-copilot-copilot-managed.ps1'), 'utf8');
    assert.match(ps1, /New-ItemProperty -Path \$key -Name 'ChatToolsAutoApprove' -Value 0 -PropertyType DWord -Force/);
    assert.match(ps1, /\$key = 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\VSCode'/);

    out = '';
    assert.equal(await runConfigureCommand(['--export', EXAMPLE, '--os', 'linux', '--out', t.dir], io), 2);
    assert.match(out, /--os darwin\|win32/);
  } finally {
    t.cleanup();
  }
});

test('example "approved MCP servers only": native allow lists for Claude, Gemini, Codex; a warning where a tool has none', async () => {
  const t = tempRoot('mcp-example');
  try {
    const e = await exampleEngine(join(POLICIES, 'examples', 'mcp-approved-servers-only.json'));
    const install = npmInstall(t.root, 'x', 'x');
    const mcp = (...names: string[]) => ({ mcp_servers: names.map((name) => ({ name, transport: 'stdio' as const, command: 'npx', url: null, scope: 'user' as const, config: '/c' })) });
    const inv = inventory(t.root, [
      finding('cursor', 'Cursor', install, [], { ...mcp('github', 'filesystem'), channel: 'app' }),
      finding('windsurf', 'Windsurf', install, [], { ...mcp('github'), channel: 'app' }),
      finding('claude-code', 'Claude Code', install, [], mcp('filesystem')),
      finding('gemini-cli', 'Gemini CLI', install),
    ]);
    const ds = e.evaluate(buildPolicyInput(inv, { id: 'd', groups: [], userGroups: {} }, new Date('2026-06-01T12:00:00Z'), []));
    assert.deepEqual(ds.map((d) => [d.tool, d.action, d.rule]), [
      ['cursor', 'warn', 'unapproved-mcp-elsewhere'],
      ['windsurf', 'observe', ''],
      ['claude-code', 'configure', 'claude-mcp-allow-list'],
      ['gemini-cli', 'configure', 'gemini-mcp-allow-list'],
    ]);
    assert.deepEqual(ds[2]!.settings, { allowManagedMcpServersOnly: true, allowedMcpServers: [{ serverName: 'company-docs' }, { serverName: 'github' }] });
  } finally {
    t.cleanup();
  }
});
