// A real long-running child process started from a fake npm package folder of a catalog tool
// (node_modules/@anthropic-ai/claude-code/cli.js in a temp dir) must be reported running, with its
// pid, by the /proc reader and by the cross-platform systeminformation path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../agent/src/catalog/load.ts';
import { listSystemInformation, matchProcesses } from '../../agent/src/inventory/processes.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { ScanFs } from '../../agent/src/inventory/scanfs.ts';

async function startFakeClaude(dir: string): Promise<ChildProcess> {
  const pkg = join(dir, 'node_modules', '@anthropic-ai', 'claude-code');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.0.77' }));
  writeFileSync(join(pkg, 'cli.js'), 'setInterval(() => {}, 1000);\n');
  const child = spawn(process.execPath, [join(pkg, 'cli.js'), '--print', 'API_KEY=sk-ant-should-not-leak'], { stdio: 'ignore' });
  // Wait until the kernel shows the script in the process's argv (exec has happened).
  for (let i = 0; i < 200; i++) {
    try {
      if (readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').includes('claude-code')) return child;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return child;
}

test('a node process running …/@anthropic-ai/claude-code/cli.js is Claude Code, running, with its pid', { skip: process.platform !== 'linux' ? '/proc reader is Linux-only; systeminformation case below covers others' : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-proc-'));
  const child = await startFakeClaude(dir);
  try {
    const inv = await scanInventory({ root: join(dir, 'fsroot'), os: 'linux', processes: true });
    const f = inv.findings.find((x) => x.tool_id === 'claude-code' && x.running.some((r) => r.pid === child.pid));
    assert.ok(f, `claude-code with pid ${child.pid} not in ${JSON.stringify(inv.findings.map((x) => [x.tool_id, x.running]))}`);
    assert.equal(f.version, '2.0.77');
    assert.equal(f.channel, 'npm');
    assert.equal(f.confidence, 'high');
    const r = f.running.find((x) => x.pid === child.pid)!;
    assert.equal(r.name, 'node');
    assert.ok(r.matched.endsWith('/node_modules/@anthropic-ai/claude-code/cli.js'));
    // Only the matching path is kept: arguments (which can hold keys) never reach the inventory.
    assert.ok(!JSON.stringify(inv).includes('sk-ant-should-not-leak'));
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the systeminformation process list (cross-platform path) finds the same process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-proc-si-'));
  const child = await startFakeClaude(dir);
  try {
    const procs = await listSystemInformation();
    const hits = matchProcesses(new ScanFs('/'), loadCatalog(), procs);
    const h = hits.find((x) => x.running?.pid === child.pid);
    assert.ok(h, 'child not matched through systeminformation');
    assert.equal(h.tool, 'claude-code');
    assert.equal(h.version, '2.0.77');
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process matched by name whose executable sits in a native versions folder is that native install', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-proc-native-'));
  try {
    const exe = join(dir, 'home/u/.local/share/claude/versions/2.0.30');
    mkdirSync(join(exe, '..'), { recursive: true });
    writeFileSync(exe, 'inert');
    // What /proc shows for `~/.local/bin/claude` (a link to that file): comm 'claude', exe the target.
    const hits = matchProcesses(new ScanFs('/'), loadCatalog(), [{ pid: 424242, name: 'claude', user: 'u', paths: [exe] }, { pid: 424243, name: 'bash', paths: ['/usr/bin/bash'] }]);
    assert.deepEqual(
      hits.map((h) => [h.tool, h.channel, h.version, h.running?.pid ?? null]),
      [
        ['claude-code', 'native', '2.0.30', 424242],
        ['claude-code', 'native', '2.0.30', null],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
