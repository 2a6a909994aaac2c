// Real long-running child processes started from fake installs of a catalog tool inside a temp root:
// a node process running the npm package's cli.js (attributed through its proven script) and a native
// binary in ~/.local/share/claude/versions/<v> (attributed through /proc/<pid>/exe). Both are reported
// running, with pid and start time, joined to the install the detectors found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanInventory } from '../../agent/src/inventory/scan.ts';

const linux = process.platform === 'linux';

/** Waits until the kernel shows `want` for the child (its exec has happened). */
async function execDone(child: ChildProcess, want: (pid: number) => boolean): Promise<ChildProcess> {
  for (let i = 0; i < 300; i++) {
    try {
      if (want(child.pid!)) return child;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`child ${child.pid} never exec'ed`);
}

async function startNpmClaude(root: string): Promise<{ child: ChildProcess; cli: string }> {
  const pkg = join(root, 'usr/local/lib/node_modules/@anthropic-ai/claude-code');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.0.77' }));
  const cli = join(pkg, 'cli.js');
  writeFileSync(cli, 'setInterval(() => {}, 1000);\n');
  const child = spawn(process.execPath, [cli, '--print', 'API_KEY=sk-ant-should-not-leak'], { stdio: 'ignore' });
  return { child: await execDone(child, (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('claude-code')), cli };
}

test('a node process running the npm install\'s cli.js is Claude Code, running, with its pid and start time', { skip: !linux && 'kernel process facts: Linux /proc' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-proc-'));
  const root = join(dir, 'root');
  const { child, cli } = await startNpmClaude(root);
  try {
    const inv = await scanInventory({ root, os: 'linux', processes: true });
    const f = inv.findings.find((x) => x.tool_id === 'claude-code' && x.running.some((r) => r.pid === child.pid));
    assert.ok(f, `claude-code with pid ${child.pid} not in ${JSON.stringify(inv.findings.map((x) => [x.tool_id, x.running]))}`);
    assert.equal(f.version, '2.0.77');
    assert.equal(f.channel, 'npm');
    assert.equal(f.confidence, 'high');
    const r = f.running.find((x) => x.pid === child.pid)!;
    assert.equal(r.name, 'node');
    assert.equal(r.matched, cli);
    assert.match(r.start ?? '', /^\d+$/);
    assert.equal(r.start, readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
    // Only the matching file is kept: arguments (which can hold keys) never reach the inventory.
    assert.ok(!JSON.stringify(inv).includes('sk-ant-should-not-leak'));
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a native binary in ~/.local/share/claude/versions/<v> is attributed by its executable, not its name', { skip: !linux && 'kernel process facts: Linux /proc' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-proc-native-'));
  const root = join(dir, 'root');
  const exe = join(root, 'home/u/.local/share/claude/versions/2.0.30');
  mkdirSync(join(exe, '..'), { recursive: true });
  copyFileSync('/bin/sleep', exe); // a real executable at the native installer's place
  chmodSync(exe, 0o755);
  const child = await execDone(spawn(exe, ['60'], { stdio: 'ignore' }), (pid) => readlinkSync(`/proc/${pid}/exe`) === exe);
  try {
    const inv = await scanInventory({ root, os: 'linux', processes: true });
    const f = inv.findings.find((x) => x.tool_id === 'claude-code');
    assert.ok(f, JSON.stringify(inv.findings));
    assert.equal(f.channel, 'native');
    assert.equal(f.user, 'u');
    assert.equal(f.version, '2.0.30');
    assert.deepEqual(
      f.running.map((r) => [r.pid, r.matched]),
      [[child.pid, exe]],
    );
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
