// What a finding means: npm layouts and ~/.npmrc prefixes, PATH links resolved to their install,
// confidence levels, traces attached to installs, users and homes, the CLI, the catalog's own
// validation — and that the scan never executes what it finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadCatalog, parseCatalog } from '../../agent/src/catalog/load.ts';
import { materialize } from '../../agent/src/inventory/materialize.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import type { LayoutOs } from '../../wire/src/catalog.ts';
import { Inventory } from '../../wire/src/inventory.ts';
import { validate } from '../../wire/src/validate.ts';

const catalog = loadCatalog();
const claude = catalog.tools.find((t) => t.id === 'claude-code')!;
const npmSig = claude.signatures.linux.find((s) => s.detector === 'npm_package')!;

function withRoot(fn: (root: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'warden-sem-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}
function put(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

test('every npm global layout of every OS (default prefixes, nvm, volta, fnm, pnpm, bun, mise, asdf, yarn)', withRoot(async (root) => {
  for (const os of ['linux', 'darwin', 'win32'] as LayoutOs[]) {
    const n = catalog.locations.NPM_ROOT![os].length;
    for (let v = 0; v < n; v++) {
      const r = join(root, `${os}-${v}`);
      const m = materialize(catalog, claude, npmSig, { root: r, os, user: 'dev', variant: v }, `2.${v}.0`);
      const inv = await scanInventory({ root: r, os, processes: false });
      const f = inv.findings.find((x) => x.tool_id === 'claude-code' && x.paths.includes(m.path));
      assert.ok(f, `${os} layout ${v} (${m.path.slice(r.length)}) not found`);
      assert.equal(f.version, `2.${v}.0`);
      assert.equal(f.channel, 'npm');
      assert.equal(f.user, m.user);
    }
  }
}));

test('Volta keeps scoped packages under packages/@scope/name (Unix lib/ level, none on Windows)', withRoot(async (root) => {
  put(join(root, 'home/vee/.volta/tools/image/packages/@anthropic-ai/claude-code/lib/node_modules/@anthropic-ai/claude-code/package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.0.5' }));
  put(join(root, 'Users/vee/AppData/Local/Volta/tools/image/packages/@google/gemini-cli/node_modules/@google/gemini-cli/package.json'), JSON.stringify({ name: '@google/gemini-cli', version: '0.7.0' }));
  const lin = await scanInventory({ root, os: 'linux', processes: false });
  assert.deepEqual(lin.findings.map((f) => [f.tool_id, f.version, f.user]), [['claude-code', '2.0.5', 'vee']]);
  const win = await scanInventory({ root, os: 'win32', processes: false });
  assert.deepEqual(win.findings.map((f) => [f.tool_id, f.version, f.user]), [['gemini-cli', '0.7.0', 'vee']]);
}));

test('Python packages in conda envs, pyenv versions and virtualenvwrapper venvs', withRoot(async (root) => {
  const meta = (n: string, v: string) => `Metadata-Version: 2.1\nName: ${n}\nVersion: ${v}\n`;
  put(join(root, 'home/py/miniconda3/envs/ml/lib/python3.11/site-packages/vllm-0.11.0.dist-info/METADATA'), meta('vllm', '0.11.0'));
  put(join(root, 'home/py/.pyenv/versions/3.12.4/lib/python3.12/site-packages/aider_chat-0.86.0.dist-info/METADATA'), meta('aider-chat', '0.86.0'));
  put(join(root, 'home/py/.virtualenvs/bots/lib/python3.12/site-packages/anthropic-0.69.0.dist-info/METADATA'), meta('anthropic', '0.69.0'));
  const inv = await scanInventory({ root, os: 'linux', processes: false });
  assert.deepEqual(inv.findings.map((f) => [f.tool_id, f.version, f.channel, f.user]).sort(), [
    ['aider', '0.86.0', 'pip', 'py'],
    ['anthropic-sdk', '0.69.0', 'pip', 'py'],
    ['vllm', '0.11.0', 'pip', 'py'],
  ]);
}));

test('~/.npmrc prefix= is honoured (home-relative and absolute endpoint paths)', withRoot(async (root) => {
  put(join(root, 'home/ann/.npmrc'), 'registry=https://registry.npmjs.org/\nprefix=~/.custom-npm\n');
  put(join(root, 'home/ann/.custom-npm/lib/node_modules/@openai/codex/package.json'), JSON.stringify({ name: '@openai/codex', version: '0.61.0' }));
  put(join(root, 'home/bob/.npmrc'), 'prefix = /srv/npm-bob\n');
  put(join(root, 'srv/npm-bob/lib/node_modules/@google/gemini-cli/package.json'), JSON.stringify({ name: '@google/gemini-cli', version: '0.9.0' }));
  const inv = await scanInventory({ root, os: 'linux', processes: false });
  const codex = inv.findings.find((f) => f.tool_id === 'openai-codex-cli');
  assert.equal(codex?.version, '0.61.0');
  assert.equal(codex?.user, 'ann');
  const gem = inv.findings.find((f) => f.tool_id === 'gemini-cli');
  assert.equal(gem?.version, '0.9.0');
  assert.equal(gem?.user, 'bob');
}));

test('a PATH link into an npm package is that npm install, with its version; an unknown binary is path_binary', withRoot(async (root) => {
  const pkg = join(root, 'usr/lib/node_modules/@google/gemini-cli');
  put(join(pkg, 'package.json'), JSON.stringify({ name: '@google/gemini-cli', version: '0.12.3' }));
  put(join(pkg, 'dist/index.js'), '// inert\n');
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  symlinkSync('../lib/node_modules/@google/gemini-cli/dist/index.js', join(root, 'usr/bin/gemini'));
  put(join(root, 'usr/local/bin/opencode'), 'inert');
  const inv = await scanInventory({ root, os: 'linux', processes: false });
  const gem = inv.findings.filter((f) => f.tool_id === 'gemini-cli');
  assert.equal(gem.length, 1, JSON.stringify(gem));
  assert.equal(gem[0]!.channel, 'npm');
  assert.equal(gem[0]!.version, '0.12.3');
  assert.ok(gem[0]!.evidence.some((e) => e.signal === 'path_binary' && e.path === join(root, 'usr/bin/gemini')));
  const oc = inv.findings.find((f) => f.tool_id === 'opencode')!;
  assert.equal(oc.channel, 'path_binary');
  assert.equal(oc.confidence, 'medium');
  assert.equal(oc.version, null);
}));

test('confidence: one trace is low, two traces medium, a versioned manifest high; traces join the same user\'s install', withRoot(async (root) => {
  mkdirSync(join(root, 'home/a/.cache/claude'), { recursive: true }); // one weak signal
  mkdirSync(join(root, 'home/b/.cache/claude'), { recursive: true });
  mkdirSync(join(root, 'home/b/.config/claude'), { recursive: true }); // two weak signals
  mkdirSync(join(root, 'home/c/.config/claude'), { recursive: true });
  put(join(root, 'home/c/.local/share/claude/versions/2.1.0'), 'inert');
  const inv = await scanInventory({ root, os: 'linux', processes: false });
  const of = (u: string) => inv.findings.filter((f) => f.tool_id === 'claude-code' && f.user === u);
  assert.deepEqual(of('a').map((f) => [f.channel, f.confidence]), [['traces', 'low']]);
  assert.deepEqual(of('b').map((f) => [f.channel, f.confidence]), [['traces', 'medium']]);
  const c = of('c');
  assert.equal(c.length, 1, 'the config folder joins the native install');
  assert.equal(c[0]!.channel, 'native');
  assert.equal(c[0]!.version, '2.1.0');
  assert.equal(c[0]!.confidence, 'high');
  assert.equal(c[0]!.evidence.length, 2);
}));

test('MCP config files count configured servers and never copy args, env or URL credentials (a stdio server is named by its program file name only)', withRoot(async (root) => {
  put(join(root, 'home/max/.claude.json'), JSON.stringify({ mcpServers: { github: { command: 'npx', args: ['-y', 'gh-mcp'], env: { GITHUB_TOKEN: 'ghp_secretsecretsecret' } }, fs: { command: 'mcp-fs' } } }));
  put(join(root, 'home/max/.cursor/mcp.json'), JSON.stringify({ mcpServers: { db: { url: 'https://user:pw@db.example/mcp' } } }));
  put(join(root, 'home/max/.codex/config.toml'), '[mcp_servers.x]\ncommand = "secret-tool"\n');
  const inv = await scanInventory({ root, os: 'linux', processes: false });
  const detail = (tool: string, file: string) => inv.findings.find((f) => f.tool_id === tool)?.evidence.find((e) => e.path === join(root, 'home/max', file))?.detail;
  assert.equal(detail('claude-code', '.claude.json'), '2 MCP server(s) configured');
  assert.equal(detail('cursor', '.cursor/mcp.json'), '1 MCP server(s) configured');
  assert.equal(detail('openai-codex-cli', '.codex/config.toml'), '1 MCP server(s) configured');
  const text = JSON.stringify(inv);
  for (const leak of ['ghp_secretsecretsecret', 'gh-mcp', 'user:pw', '-y']) assert.ok(!text.includes(leak), leak);
}));

test('the scan never executes what it finds', withRoot(async (root) => {
  const marker = join(root, 'EXECUTED');
  const script = `#!/bin/sh\ntouch '${marker}'\n`;
  for (const p of ['home/eve/.local/bin/claude', 'usr/local/bin/codex', 'home/eve/.local/share/claude/versions/3.0.0', 'usr/local/bin/ollama']) {
    put(join(root, p), script);
    chmodSync(join(root, p), 0o755);
  }
  const pkg = join(root, 'usr/local/lib/node_modules/@openai/codex');
  put(join(pkg, 'package.json'), JSON.stringify({ name: '@openai/codex', version: '1.0.0', scripts: { postinstall: `touch '${marker}'` } }));
  put(join(pkg, 'bin/codex.js'), `require('fs').writeFileSync('${marker}', 'x')\n`);
  const inv = await scanInventory({ root, os: 'linux', processes: false });
  assert.ok(inv.findings.some((f) => f.tool_id === 'claude-code'));
  assert.ok(inv.findings.some((f) => f.tool_id === 'ollama'));
  assert.equal(existsSync(marker), false);
}));

test('homes: linux /home/* and /root; Windows and macOS /Users/* without Public/Default/Shared', withRoot(async (root) => {
  for (const d of ['home/x', 'root', 'Users/y', 'Users/Public', 'Users/Default', 'Users/Shared']) mkdirSync(join(root, d), { recursive: true });
  assert.deepEqual((await scanInventory({ root, os: 'linux', processes: false })).host.users, ['x', 'root']);
  assert.deepEqual((await scanInventory({ root, os: 'win32', processes: false })).host.users, ['y']);
  assert.deepEqual((await scanInventory({ root, os: 'darwin', processes: false })).host.users, ['y']);
}));

test('CLI: scan --json --root prints a valid inventory; bad flags exit 2 with a clear message', withRoot(async (root) => {
  put(join(root, 'Users/zoe/AppData/Roaming/npm/node_modules/@anthropic-ai/claude-code/package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.2.2' }));
  const r = spawnSync(process.execPath, ['bin/warden-agent.js', 'scan', '--json', '--root', root, '--os', 'win32'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const inv = validate(Inventory, JSON.parse(r.stdout), 'inventory');
  assert.equal(inv.host.os.platform, 'win32');
  const f = inv.findings.find((x) => x.tool_id === 'claude-code')!;
  assert.deepEqual([f.version, f.channel, f.user], ['2.2.2', 'npm', 'zoe']);
  // The JSON log line goes to stderr, never stdout.
  assert.equal(JSON.parse(r.stderr.trim().split('\n').pop()!).msg, 'scan complete');
  const bad = spawnSync(process.execPath, ['bin/warden-agent.js', 'scan', '--os', 'beos'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--os must be linux, darwin or win32/);
}));

test('the catalog is validated: duplicate ids and unknown detectors are refused', () => {
  const copy = JSON.parse(JSON.stringify(catalog)) as { tools: { id: string; signatures: { linux: { detector: string }[] } }[] };
  copy.tools.push(copy.tools[0]!);
  assert.throws(() => parseCatalog(copy), /duplicate tool id 'claude-code'/);
  const copy2 = JSON.parse(JSON.stringify(catalog)) as typeof copy;
  copy2.tools[0]!.signatures.linux[0]!.detector = 'run_binary_with_--version';
  assert.throws(() => parseCatalog(copy2), /invalid catalog/);
});

test('the committed catalog is exactly the converter output of the research file', (t) => {
  const research = join(process.cwd(), '..', 'shared', 'research', 'ai-tools-catalog.json');
  if (!existsSync(research)) {
    t.skip(`research file not present at ${research} (only on the machine that holds the research)`);
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'warden-conv-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/catalog-from-research.ts', dirname(research), join(out, 'catalog.json')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(out, 'catalog.json'), 'utf8'), readFileSync('policies/data/catalog.json', 'utf8'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
