// block on real processes started by the test: the banned tool's process is terminated (SIGTERM, and
// SIGKILL when it ignores SIGTERM), the allowed tool's process is not; the process watch kills a banned
// tool started later and leaves others alone. Only processes this test spawned are ever signalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { readEvents } from '../../agent/src/enforce/outbox.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { loadWatchList, ProcessWatch, type WatchKill } from '../../agent/src/enforce/watch.ts';
import { isAlive } from '../../agent/src/process/linux.ts';
import { decision, finding, inventory, npmInstall, tempRoot } from './fixtures.ts';

const linux = process.platform === 'linux';

async function startTool(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'ignore'] });
  // Wait until it runs its own code (signal handlers installed).
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`tool exited early (${c})`)));
  });
  return child;
}

function stop(...children: ChildProcess[]): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

test('block terminates the banned tool\'s attributed processes and leaves the allowed tool running', { skip: !linux && 'needs /proc' }, async () => {
  const t = tempRoot('block');
  const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
  const stubborn = npmInstall(t.root, '@google/gemini-cli', 'gemini', { ignoreTerm: true });
  const qoder = npmInstall(t.root, 'qoder-cli', 'qoder');
  const pClaude = await startTool(claude.cli);
  const pStubborn = await startTool(stubborn.cli);
  const pQoder = await startTool(qoder.cli);
  try {
    const run = (p: ChildProcess, matched: string) => [{ pid: p.pid!, name: 'node', matched }];
    const fc = finding('claude-code', 'Claude Code (CLI)', claude, run(pClaude, claude.cli));
    const fs = finding('gemini-cli', 'Gemini CLI', stubborn, run(pStubborn, stubborn.cli));
    const fq = finding('qoder-cli', 'Qoder CLI', qoder, run(pQoder, qoder.cli));
    const exited = once(pClaude, 'exit');
    const exitedStubborn = once(pStubborn, 'exit');
    const report = await enforceDecisions([decision(fc, 'block'), decision(fs, 'block'), decision(fq, 'allow')], inventory(t.root, [fc, fs, fq]), {
      stateDir: t.state,
      root: t.root,
      os: 'linux',
      bundleRevision: 'rev-b',
      termTimeoutMs: 400,
    });
    const [, sig] = await exited;
    assert.equal(sig, 'SIGTERM');
    const [, sig2] = await exitedStubborn;
    assert.equal(sig2, 'SIGKILL'); // ignored SIGTERM, so SIGKILL after the timeout
    assert.equal(isAlive(pQoder.pid!), true);
    assert.equal(pQoder.exitCode, null);

    const events = readEvents(enforceState(t.state).outbox).filter((e) => e.kind === 'kill');
    assert.equal(events.length, 2);
    assert.match(events.find((e) => e.tool === 'claude-code')!.detail, new RegExp(`${pClaude.pid} terminated`));
    assert.match(events.find((e) => e.tool === 'gemini-cli')!.detail, new RegExp(`${pStubborn.pid} killed`));
    assert.deepEqual(events.find((e) => e.tool === 'claude-code')!.pids, [pClaude.pid]);
    // The files stay: block is not quarantine. The watch list names the banned install paths.
    const watch = loadWatchList(enforceState(t.state).watchList);
    assert.deepEqual(watch.map((w) => w.tool).sort(), ['claude-code', 'gemini-cli']);
    assert.ok(watch.find((w) => w.tool === 'claude-code')!.paths.includes(claude.pkgDir));
    assert.equal(report.watch.length, 2);
  } finally {
    stop(pClaude, pStubborn, pQoder);
    t.cleanup();
  }
});

test('a pid the inventory attributed but that now runs something else, or started later, is not signalled', { skip: !linux && 'needs /proc' }, async () => {
  const t = tempRoot('pidreuse');
  const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
  const qoder = npmInstall(t.root, 'qoder-cli', 'qoder');
  const p = await startTool(qoder.cli);
  const pClaude = await startTool(claude.cli);
  try {
    // Inventory says this pid is Claude Code at claude.cli; the kernel says it runs qoder's script.
    const fc = finding('claude-code', 'Claude Code (CLI)', claude, [{ pid: p.pid!, name: 'node', matched: claude.cli }]);
    await enforceDecisions([decision(fc, 'block')], inventory(t.root, [fc]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r' });
    assert.equal(isAlive(p.pid!), true);
    const ev = readEvents(enforceState(t.state).outbox).find((e) => e.kind === 'kill');
    assert.match(ev!.detail, new RegExp(`${p.pid} not attributed \\(runs no proven install of claude-code\\)`));
    assert.equal(ev!.result, 'refused');
    // The pid does run Claude Code, but not the process that was attributed: another start time.
    const stale = finding('claude-code', 'Claude Code (CLI)', claude, [{ pid: pClaude.pid!, name: 'node', matched: claude.cli, start: '1' }]);
    await enforceDecisions([decision(stale, 'block')], inventory(t.root, [stale]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r' });
    assert.equal(isAlive(pClaude.pid!), true);
    const ev2 = readEvents(enforceState(t.state).outbox).filter((e) => e.kind === 'kill')[1];
    assert.match(ev2!.detail, new RegExp(`${pClaude.pid} pid reused`));
  } finally {
    stop(p, pClaude);
    t.cleanup();
  }
});

test('the process watch kills a banned tool started later and nothing else', { skip: !linux && 'needs /proc', timeout: 60_000 }, async () => {
  const t = tempRoot('watch');
  const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
  const qoder = npmInstall(t.root, 'qoder-cli', 'qoder');
  const kills: WatchKill[] = [];
  let firstKill: (k: WatchKill) => void = () => {};
  const killed = new Promise<WatchKill>((r) => (firstKill = r));
  const watch = new ProcessWatch(
    [{ tool: 'claude-code', finding: 'claude-code:npm:-', rule: 'r', reason: 'banned', bundle_revision: 'r', paths: [claude.pkgDir, claude.binLink] }],
    {
      intervalMs: 100,
      onKill: (k) => {
        kills.push(k);
        firstKill(k);
      },
    },
  );
  watch.start();
  let pAllowed: ChildProcess | null = null;
  let pBanned: ChildProcess | null = null;
  try {
    pAllowed = spawn(process.execPath, [qoder.cli], { stdio: 'ignore' });
    // Started through the bin link, as a user would type `claude`.
    pBanned = spawn(claude.binLink, [], { stdio: 'ignore' });
    const [, sig] = await once(pBanned, 'exit');
    assert.ok(sig === 'SIGTERM' || sig === 'SIGKILL', `killed by a signal, got ${String(sig)}`);
    const k = await killed;
    assert.ok(k.result.outcome === 'terminated' || k.result.outcome === 'killed');
    assert.equal(kills.length, 1);
    assert.equal(kills[0]!.pid, pBanned.pid);
    assert.equal(kills[0]!.target.tool, 'claude-code');
    await watch.tick();
    assert.equal(isAlive(pAllowed.pid!), true);
    assert.equal(kills.length, 1);
    // A script given by a relative path (`node ./cli.js` from the package folder) is matched too.
    const pRelative = spawn(process.execPath, ['./cli.js'], { cwd: claude.pkgDir, stdio: 'ignore' });
    const [, sig2] = await once(pRelative, 'exit');
    assert.ok(sig2 === 'SIGTERM' || sig2 === 'SIGKILL');
    assert.equal(isAlive(pAllowed.pid!), true);
  } finally {
    watch.stop();
    if (pAllowed) stop(pAllowed);
    if (pBanned) stop(pBanned);
    t.cleanup();
  }
});

test('the process watch catches a pid that execs the banned tool long after it was first seen', { skip: !linux && 'needs /proc', timeout: 60_000 }, async () => {
  const t = tempRoot('watch-late-exec');
  const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
  const kills: WatchKill[] = [];
  const watch = new ProcessWatch([{ tool: 'claude-code', finding: 'claude-code:npm:-', rule: 'r', reason: 'banned', bundle_revision: 'r', paths: [claude.pkgDir] }], { onKill: (k) => kills.push(k) });
  // A shell that waits, then execs the tool in the same pid (what `sleep 60; exec claude` does).
  const p = spawn('/bin/bash', ['-c', `read x; exec '${process.execPath}' '${claude.cli}'`], { stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    for (let i = 0; i < 12; i++) await watch.tick(); // the pid is old now: not re-read every poll
    assert.equal(kills.length, 0);
    p.stdin!.write('go\n');
    await once(p.stdout!, 'data'); // the tool runs its own code in the same pid
    const exited = once(p, 'exit');
    for (let i = 0; i < 12 && kills.length === 0; i++) await watch.tick();
    await exited;
    assert.deepEqual(kills.map((k) => [k.pid, k.file]), [[p.pid, claude.cli]]);
  } finally {
    stop(p);
    t.cleanup();
  }
});
