// Issue 10 item 2, done the way a local unprivileged user would: real processes started as uid 65534
// with a chosen argv (`exec -a <path> sleep 60` through bash), an interpreter whose argv names a
// script it is not running, a script owned by someone else, a binary merely named `claude`. None of
// them becomes an install finding, none is killed by enforcement or by the process watch — while a
// genuinely running tool (node running the real npm install's cli.js; a native binary in its version
// folder, started through its ~/.local/bin link) is found and killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, lchownSync, mkdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { readEvents } from '../../agent/src/enforce/outbox.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { ProcessWatch } from '../../agent/src/enforce/watch.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { isAlive } from '../../agent/src/process/linux.ts';
import type { Finding } from '../../wire/src/inventory.ts';
import { decision, npmInstall, tempRoot } from './fixtures.ts';

const CAROL = 65534;
const BOB = 65533;
const skip = (process.platform !== 'linux' && 'kernel process facts: Linux /proc') || (process.getuid?.() !== 0 && 'starts processes as uid 65534: needs root');

const children: ChildProcess[] = [];
function started(c: ChildProcess): ChildProcess {
  children.push(c);
  return c;
}
function stopAll(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Waits until the child's exec happened (its /proc/<pid>/exe is `exe`). */
async function execd(c: ChildProcess, exe: string): Promise<ChildProcess> {
  for (let i = 0; i < 500; i++) {
    try {
      if (readlinkSync(`/proc/${c.pid}/exe`) === exe) return c;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`pid ${c.pid} never ran ${exe}`);
}

// What the kernel shows as /proc/<pid>/exe: real paths, no links.
const SLEEP = realpathSync('/bin/sleep');
const PY = realpathSync('/usr/bin/python3');
const NODE = realpathSync(process.execPath);

/** `exec -a <argv0> <cmd…>` through bash, as carol. */
function forged(argv0: string, cmd: string[]): ChildProcess {
  const quoted = cmd.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return started(spawn('/bin/bash', ['-c', `exec -a '${argv0}' ${quoted}`], { stdio: 'ignore', uid: CAROL, gid: CAROL }));
}

test('a chosen argv, a named-only binary or an unproven script never makes an install finding and is never killed; genuine tools are', { skip, timeout: 120_000 }, async () => {
  const t = tempRoot('argv');
  chmodSync(t.dir, 0o755); // carol and bob must reach the installs they run
  chmodSync(t.root, 0o755);
  try {
    // A genuine machine-wide npm install of Claude Code (owned by root, like `sudo npm i -g`).
    const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    // bob's genuine native install, started through ~/.local/bin/claude → versions/2.0.30.
    const bob = join(t.root, 'home', 'bob');
    const native = join(bob, '.local', 'share', 'claude', 'versions', '2.0.30');
    mkdirSync(dirname(native), { recursive: true });
    copyFileSync(SLEEP, native);
    chmodSync(native, 0o755);
    mkdirSync(join(bob, '.local', 'bin'), { recursive: true });
    symlinkSync('../share/claude/versions/2.0.30', join(bob, '.local', 'bin', 'claude'));
    for (const p of [bob, join(bob, '.local'), join(bob, '.local', 'share'), join(bob, '.local', 'share', 'claude'), dirname(native), native, join(bob, '.local', 'bin'), join(bob, '.local', 'bin', 'claude')]) lchownSync(p, BOB, BOB);
    // carol's own home, where a script named like the tool is owned by bob, not by her.
    const carol = join(t.root, 'home', 'carol');
    const bobsScript = join(carol, '.npm-global', 'lib', 'node_modules', '@anthropic-ai', 'claude-code', 'cli.js');
    mkdirSync(dirname(bobsScript), { recursive: true });
    writeFileSync(bobsScript, 'setInterval(() => {}, 1000);\n');
    chmodSync(bobsScript, 0o644);
    lchownSync(bobsScript, BOB, BOB);
    // A binary merely named `claude`, outside any install location.
    const named = join(t.dir, 'carols-bin', 'claude');
    mkdirSync(dirname(named), { recursive: true });
    copyFileSync(SLEEP, named);
    chmodSync(named, 0o755);
    chmodSync(dirname(named), 0o755);

    const nvmPath = join(t.root, 'home', 'carol', '.nvm', 'versions', 'node', 'claude-code', 'cli.js');
    const attackers = [
      await execd(forged(nvmPath, [SLEEP, '60']), SLEEP), // the issue's exact attack (path need not exist)
      await execd(forged(claude.cli, [SLEEP, '60']), SLEEP), // argv[0] names the genuine install's real file
      await execd(forged('python3', [PY, '-c', 'import time; time.sleep(60)', claude.cli]), PY), // carol's own python3, argv naming the tool
      await execd(forged('node', [process.execPath, '-e', 'setInterval(() => {}, 1000)', claude.cli]), NODE), // code on the command line, not the script
      await execd(started(spawn(process.execPath, [bobsScript], { stdio: 'ignore', uid: CAROL, gid: CAROL })), NODE), // a script owned by bob
      await execd(started(spawn(named, ['60'], { stdio: 'ignore', uid: CAROL, gid: CAROL })), named), // comm 'claude'
    ];
    const attackerPids = attackers.map((c) => c.pid!);
    assert.equal(readFileSync(`/proc/${attackerPids[5]}/comm`, 'utf8').trim(), 'claude');
    // Genuine: carol runs the machine-wide install (a root-owned script), bob his native binary.
    const genuineNode = await execd(started(spawn(process.execPath, [claude.cli], { stdio: 'ignore', uid: CAROL, gid: CAROL })), NODE);
    const genuineNative = await execd(started(spawn(join(bob, '.local', 'bin', 'claude'), ['60'], { stdio: 'ignore', uid: BOB, gid: BOB })), native);

    const inv = await scanInventory({ root: t.root, os: 'linux', processes: true });
    const runningPids = inv.findings.flatMap((f) => f.running.map((r) => r.pid));
    for (const pid of attackerPids) assert.ok(!runningPids.includes(pid), `attacker pid ${pid} attributed: ${JSON.stringify(inv.findings)}`);
    assert.ok(!JSON.stringify(inv).includes('.nvm'), 'the argv path is nowhere in the inventory');
    const claudeFindings = inv.findings.filter((f) => f.tool_id === 'claude-code');
    assert.deepEqual(
      claudeFindings.map((f) => [f.channel, f.user, f.running.map((r) => r.pid)]),
      [
        ['npm', null, [genuineNode.pid]],
        ['native', 'bob', [genuineNative.pid]],
        ['npm', 'carol', []], // the folder holding bob's script is found on disk; the process running it is not attributed
      ],
    );
    assert.equal(claudeFindings[0]!.running[0]!.user, 'nobody');

    // Enforcement, also handed an inventory that claims the attackers' pids run Claude Code (what
    // argv matching used to produce): only the genuine processes are signalled.
    const claimed: Finding = { ...claudeFindings[0]!, running: [...claudeFindings[0]!.running, ...attackerPids.map((pid) => ({ pid, name: 'sleep', matched: claude.cli }))] };
    const exits = [once(genuineNode, 'exit'), once(genuineNative, 'exit')];
    const all = { ...inv, findings: inv.findings.map((f) => (f === claudeFindings[0] ? claimed : f)) };
    await enforceDecisions(all.findings.filter((f) => f.tool_id === 'claude-code').map((f) => decision(f, 'block')), all, { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r', termTimeoutMs: 500 });
    await Promise.all(exits);
    for (const pid of attackerPids) assert.equal(isAlive(pid), true, `attacker pid ${pid} was killed`);
    const kills = readEvents(enforceState(t.state).outbox).filter((e) => e.kind === 'kill');
    assert.match(kills[0]!.detail, new RegExp(`${genuineNode.pid} terminated`));
    for (const pid of attackerPids) assert.match(kills[0]!.detail, new RegExp(`${pid} not attributed`));
    assert.match(kills[1]!.detail, new RegExp(`${genuineNative.pid} terminated`));

    // The process watch on the banned installs: a new genuine start is killed, the attackers are not.
    const watchKills: number[] = [];
    const watch = new ProcessWatch([{ tool: 'claude-code', finding: 'claude-code:npm:-', rule: 'r', reason: 'banned', bundle_revision: 'r', paths: [claude.pkgDir, native] }], {
      onKill: (k) => watchKills.push(k.pid),
    });
    const again = started(spawn(claude.binLink, [], { stdio: ['ignore', 'pipe', 'ignore'], uid: CAROL, gid: CAROL }));
    await once(again.stdout!, 'data'); // running its own code (after /usr/bin/env exec'ed node)
    const lateForged = await execd(forged(claude.cli, [SLEEP, '60']), SLEEP);
    const exited = once(again, 'exit');
    await watch.tick();
    await exited;
    assert.deepEqual(watchKills, [again.pid]);
    for (const pid of [...attackerPids, lateForged.pid!]) assert.equal(isAlive(pid), true, `the watch killed attacker pid ${pid}`);
  } finally {
    stopAll();
    t.cleanup();
  }
});
