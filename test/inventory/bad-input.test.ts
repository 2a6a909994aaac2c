// Bad input never stops a scan: broken symlinks, symlink loops, permission-denied folders,
// 10 MB / binary / truncated package.json and Info.plist files, and a file deleted mid-scan are
// skipped with a recorded reason while everything readable is still reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { MAX_DIR_ENTRIES } from '../../agent/src/inventory/scanfs.ts';
import { Inventory } from '../../wire/src/inventory.ts';
import { validate } from '../../wire/src/validate.ts';

function tmpRoot(): string {
  return mkdtempSync(join(tmpdir(), 'warden-bad-'));
}
function put(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
const npmPkg = (root: string, pkg: string) => join(root, 'usr/local/lib/node_modules', pkg);
const goodPkg = (root: string) => put(join(npmPkg(root, '@openai/codex'), 'package.json'), JSON.stringify({ name: '@openai/codex', version: '0.50.0' }));

function assertCodexStillFound(inv: Inventory): void {
  const f = inv.findings.find((x) => x.tool_id === 'openai-codex-cli');
  assert.ok(f, 'a readable install next to the bad input must still be found');
  assert.equal(f.version, '0.50.0');
}

test('broken symlinks and symlink loops are skipped with a reason; the scan completes', async () => {
  const root = tmpRoot();
  try {
    goodPkg(root);
    const bin = join(root, 'home/alice/.local/bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync('/home/alice/.local/share/claude/versions/9.9.9', join(bin, 'claude')); // dangling
    symlinkSync('loop-b', join(bin, 'cursor-agent'));
    symlinkSync('cursor-agent', join(bin, 'loop-b'));
    const ext = join(root, 'home/alice/.vscode/extensions');
    mkdirSync(ext, { recursive: true });
    symlinkSync('.', join(ext, 'self')); // folder loop
    symlinkSync('github.copilot-1.0.0', join(ext, 'github.copilot-1.0.0')); // self-referencing link
    symlinkSync(join(root, 'nowhere'), join(root, 'usr/local/lib/node_modules/@anthropic-ai'));
    const inv = await scanInventory({ root, os: 'linux', processes: false });
    assertCodexStillFound(inv);
    const claude = inv.findings.find((x) => x.tool_id === 'claude-code');
    assert.ok(claude, 'a dangling ~/.local/bin/claude is still a trace');
    assert.equal(claude.confidence, 'low');
    assert.ok(claude.evidence.some((e) => e.detail === 'dangling symlink' && !e.strong));
    assert.ok(inv.skipped.some((s) => s.path.endsWith('cursor-agent') && /symlink loop/.test(s.reason)), JSON.stringify(inv.skipped));
    assert.ok(inv.skipped.some((s) => s.path.endsWith('github.copilot-1.0.0') && /symlink loop/.test(s.reason)), JSON.stringify(inv.skipped));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('10 MB, binary and truncated package.json files are recorded and the install still reported', async () => {
  const root = tmpRoot();
  try {
    goodPkg(root);
    put(join(npmPkg(root, '@anthropic-ai/claude-code'), 'package.json'), '{"name":"@anthropic-ai/claude-code","version":"1.0.0","pad":"' + 'x'.repeat(10 * 1024 * 1024) + '"}');
    put(join(npmPkg(root, '@google/gemini-cli'), 'package.json'), Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x01, 0x02, 0x00]));
    put(join(npmPkg(root, '@qwen-code/qwen-code'), 'package.json'), '{"name":"@qwen-code/qwen-code","vers');
    put(join(npmPkg(root, 'cline'), 'package.json'), JSON.stringify({ name: 'cline', version: { evil: true } }));
    const inv = await scanInventory({ root, os: 'linux', processes: false });
    assertCodexStillFound(inv);
    const reason = (pkg: string) => inv.skipped.find((s) => s.path === join(npmPkg(root, pkg), 'package.json'))?.reason ?? '';
    assert.match(reason('@anthropic-ai/claude-code'), /too large/);
    assert.match(reason('@google/gemini-cli'), /binary content/);
    assert.match(reason('@qwen-code/qwen-code'), /malformed manifest/);
    assert.match(reason('cline'), /not a version string/);
    for (const id of ['claude-code', 'gemini-cli', 'qwen-code', 'cline-cli']) {
      const f = inv.findings.find((x) => x.tool_id === id);
      assert.ok(f, `${id}: the package folder is still evidence`);
      assert.equal(f.version, null);
      assert.equal(f.confidence, 'medium');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('10 MB, binary-garbage and truncated Info.plist files are recorded; the .app is still reported', async () => {
  const root = tmpRoot();
  try {
    goodPkg(root);
    put(join(root, 'Applications/Cursor.app/Contents/Info.plist'), '<?xml version="1.0"?><plist><dict><key>CFBundleShortVersionString</key><string>' + 'x'.repeat(10 * 1024 * 1024) + '</string></dict></plist>');
    put(join(root, 'Applications/Windsurf.app/Contents/Info.plist'), Buffer.concat([Buffer.from('bplist00'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3])]));
    put(join(root, 'Applications/Zed.app/Contents/Info.plist'), '<?xml version="1.0"?><plist version="1.0"><dict><key>CFBundleShortVersionString</key><str');
    put(join(root, 'Applications/Warp.app/Contents/Info.plist'), Buffer.from([0, 1, 2, 3, 4, 5, 0xff]));
    const inv = await scanInventory({ root, os: 'darwin', processes: false });
    assertCodexStillFound(inv);
    const reason = (app: string) => inv.skipped.find((s) => s.path === join(root, 'Applications', app, 'Contents/Info.plist'))?.reason ?? '';
    assert.match(reason('Cursor.app'), /too large/);
    assert.match(reason('Windsurf.app'), /malformed plist/);
    assert.match(reason('Zed.app'), /malformed plist/);
    assert.match(reason('Warp.app'), /malformed plist/);
    for (const id of ['cursor', 'windsurf', 'zed', 'warp']) {
      const f = inv.findings.find((x) => x.tool_id === id && x.channel === 'app');
      assert.ok(f, `${id}.app still reported`);
      assert.equal(f.version, null);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a manifest deleted mid-scan is recorded as vanished and the scan completes', async () => {
  const root = tmpRoot();
  try {
    goodPkg(root);
    const victim = join(npmPkg(root, '@anthropic-ai/claude-code'), 'package.json');
    put(victim, JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.0.1' }));
    let deleted = false;
    const inv = await scanInventory({
      root,
      os: 'linux',
      processes: false,
      onRead: (p) => {
        if (p === victim && !deleted) {
          unlinkSync(p); // a real deletion between "seen" and "read", as an uninstall would do
          deleted = true;
        }
      },
    });
    assert.ok(deleted);
    assertCodexStillFound(inv);
    assert.ok(inv.skipped.some((s) => s.path === victim && s.reason === 'vanished during scan'), JSON.stringify(inv.skipped));
    const f = inv.findings.find((x) => x.tool_id === 'claude-code');
    assert.ok(f && f.version === null, 'the folder is still there, without a version');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** chmod a+rX over a tree (folders 0755, files 0644). */
function readableByAll(p: string): void {
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return;
  chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const n of readdirSync(p)) readableByAll(join(p, n));
}

/**
 * A private copy of the agent for a process running as another user: the agent bundle (built from
 * the current sources) with the shipped catalog, in a folder under `dir`. The checkout may live
 * where other users cannot pass (a 0700 home, a `mktemp -d` folder), so uid 65534 must not need it.
 */
async function agentInstallFor(dir: string): Promise<string> {
  const install = join(dir, 'agent-install');
  const { buildAgent } = (await import('../../scripts/build-agent.js')) as { buildAgent: (out: string) => Promise<unknown> };
  await buildAgent(join(install, 'build', 'warden-agent.mjs'));
  put(join(install, 'package.json'), '{"private":true}\n');
  put(join(install, 'bin', 'warden-agent.js'), '// marks the install root (wire/src/install-root.ts)\n');
  put(join(install, 'policies', 'data', 'catalog.json'), readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'data', 'catalog.json')));
  return join(install, 'build', 'warden-agent.mjs');
}

test('permission-denied folders are skipped with a reason (scan run as an unprivileged user)', { timeout: 120_000 }, async (t) => {
  // Tests run as root, which reads through chmod 000; so the scan runs in a child process as
  // 'nobody' (uid 65534), where the permission check is real.
  if (process.getuid?.() !== 0) {
    t.skip('needs root to start the scan as uid 65534; as a normal user chmod 000 is enough but this branch keeps one code path');
    return;
  }
  const base = tmpRoot();
  chmodSync(base, 0o755); // the temp folder, not the checkout: nobody must be able to reach what it runs
  const root = join(base, 'root');
  try {
    goodPkg(root);
    const locked = join(root, 'home/alice/.vscode/extensions');
    put(join(locked, 'github.copilot-1.300.0/package.json'), JSON.stringify({ name: 'copilot', version: '1.300.0' }));
    const agent = await agentInstallFor(base);
    readableByAll(base); // whatever the umask
    chmodSync(locked, 0o000);
    const r = spawnSync(process.execPath, [agent, 'scan', '--json', '--root', root, '--os', 'linux', '--no-processes'], {
      uid: 65534,
      gid: 65534,
      cwd: base,
      env: { PATH: process.env.PATH ?? '', HOME: base, TMPDIR: base },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const inv = validate(Inventory, JSON.parse(r.stdout), 'inventory');
    assertCodexStillFound(inv);
    assert.ok(inv.skipped.some((s) => s.path === locked && /permission denied/.test(s.reason)), JSON.stringify(inv.skipped));
    assert.ok(!inv.findings.some((f) => f.tool_id === 'github-copilot'));
  } finally {
    chmodSync(join(root, 'home/alice/.vscode/extensions'), 0o755);
    rmSync(base, { recursive: true, force: true });
  }
});

test('a folder with more entries than the cap is read partially, recorded, and the scan completes', async () => {
  const root = tmpRoot();
  try {
    goodPkg(root);
    const ext = join(root, 'home/amy/.vscode/extensions');
    mkdirSync(ext, { recursive: true });
    for (let i = 0; i < MAX_DIR_ENTRIES + 5; i++) writeFileSync(join(ext, `junk-${i}`), '');
    const inv = await scanInventory({ root, os: 'linux', processes: false });
    assertCodexStillFound(inv);
    assert.ok(inv.skipped.some((s) => s.path === ext && /only the first 20000 examined/.test(s.reason)), JSON.stringify(inv.skipped));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a FIFO planted as package.json or Info.plist does not hang the scan', { skip: process.platform === 'win32' ? 'no FIFOs on Windows' : false }, async () => {
  const root = tmpRoot();
  try {
    goodPkg(root);
    const pj = join(npmPkg(root, '@anthropic-ai/claude-code'), 'package.json');
    const plist = join(root, 'Users/mal/Applications/Cursor.app/Contents/Info.plist');
    for (const p of [pj, plist]) {
      mkdirSync(dirname(p), { recursive: true });
      const r = spawnSync('mkfifo', [p]);
      assert.equal(r.status, 0, 'mkfifo');
    }
    const inv = await scanInventory({ root, os: 'linux', processes: false });
    assertCodexStillFound(inv);
    assert.ok(inv.skipped.some((s) => s.path === pj && s.reason === 'not a regular file'), JSON.stringify(inv.skipped));
    const mac = await scanInventory({ root, os: 'darwin', processes: false });
    assert.ok(mac.skipped.some((s) => s.path === plist && s.reason === 'not a regular file'), JSON.stringify(mac.skipped));
    assert.ok(mac.findings.some((f) => f.tool_id === 'cursor' && f.version === null));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('skip reasons never quote file content (a manifest path can be linked to any readable file)', async () => {
  const root = tmpRoot();
  try {
    const secret = 'root:$6$SECRETHASHvalue:19000:0:99999:7:::';
    put(join(root, 'secret-file'), secret);
    const pkg = npmPkg(root, '@anthropic-ai/claude-code');
    mkdirSync(pkg, { recursive: true });
    symlinkSync(join(root, 'secret-file'), join(pkg, 'package.json'));
    put(join(root, 'Applications/Zed.app/Contents/Info.plist'), `<?xml version="1.0"?><plist><dict><key>${secret}</key><str`);
    for (const os of ['linux', 'darwin'] as const) {
      const inv = await scanInventory({ root, os, processes: false });
      const text = JSON.stringify(inv);
      assert.ok(!text.includes('SECRETHASH') && !text.includes('root:$6'), text);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
