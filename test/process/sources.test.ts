// Every process source that can run here runs for real on processes this test starts: /proc (Linux)
// and ps + lsof (the macOS source; both tools exist on Linux). Through each: the facts of a child, a
// spoofed argv that names a banned binary while running sleep, the process watch killing the banned
// binary and sparing the spoof, and a kill refused when the pid names another process than the one
// attributed. Nothing outside the test's temp folder, no process it did not start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminateOne } from '../../agent/src/enforce/kill.ts';
import { ProcessWatch, type WatchKill } from '../../agent/src/enforce/watch.ts';
import { runningFiles } from '../../agent/src/process/attribute.ts';
import { procfsSource, psSource, type ProcessSource } from '../../agent/src/process/source.ts';
import type { ProcFacts } from '../../agent/src/process/types.ts';
import { BanList } from '../../wire/src/banlist.ts';
import { check } from '../../wire/src/validate.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const hasLsof = spawnSync('lsof', ['-v']).error === undefined;

function banned(): { dir: string; install: string; tool: string; cleanup: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'warden-sources-')));
  const install = join(dir, 'opt', 'banned tool'); // a space, as in "Application Support"
  mkdirSync(join(install, 'bin'), { recursive: true });
  const tool = join(install, 'bin', 'tool');
  copyFileSync('/usr/bin/sleep', tool);
  chmodSync(tool, 0o755);
  writeFileSync(join(install, 'cli.js'), 'setInterval(() => {}, 1000);\n');
  return { dir, install, tool, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a child and waits until the source sees it run `exe` (after the exec). */
async function started(cmd: string, args: string[], src: ProcessSource, exe = cmd): Promise<ChildProcess> {
  const c = spawn(cmd, args, { stdio: 'ignore' });
  for (let i = 0; i < 400; i++) {
    if ((await src.read(c.pid!))?.exe === exe) return c; // a loaded CI machine may take seconds to start node
    await sleep(20);
  }
  c.kill('SIGKILL');
  throw new Error(`${cmd} did not start`);
}
const spoofOf = (tool: string, src: ProcessSource): Promise<ChildProcess> => started('bash', ['-c', `exec -a '${tool}' sleep 30`], src, '/usr/bin/sleep');

const alive = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;
const exited = (c: ChildProcess): Promise<void> => (alive(c) ? new Promise((r) => c.once('exit', () => r())) : Promise.resolve());

const sources: ProcessSource[] = [procfsSource(), ...(hasLsof ? [psSource()] : [])];
if (!hasLsof) test('ps + lsof source', { skip: 'lsof is not installed here: the macOS source cannot run' }, () => {});

for (const src of sources) {
  test(`${src.kind}: a child's facts come from the OS; an argv naming the banned binary does not make sleep that binary`, async () => {
    const b = banned();
    const kids: ChildProcess[] = [];
    try {
      const real = await started(b.tool, ['30'], src);
      kids.push(real);
      const spoof = await spoofOf(b.tool, src);
      kids.push(spoof);
      const f = (await src.read(real.pid!))!;
      assert.equal(f.exe, b.tool);
      assert.equal(f.ppid, process.pid);
      assert.equal(f.uid, process.getuid!());
      assert.ok(f.start);
      assert.equal(f.zombie, false);
      const s = (await src.read(spoof.pid!))!;
      assert.ok(s.argv.join(' ').startsWith(b.tool)); // what the process says (ps joins argv with spaces)
      assert.equal(s.exe, '/usr/bin/sleep'); // what the OS says
      assert.deepEqual(runningFiles(s, src.namespace()).map((r) => r.path), ['/usr/bin/sleep']);
      const listed = (await src.list()).filter((p) => p.pid === real.pid || p.pid === spoof.pid);
      assert.deepEqual(listed.map((p) => p.exe).sort(), ['/usr/bin/sleep', b.tool].sort());
      assert.equal(await src.read(999_999_999), null);
      // An interpreter's script in the install (its path has a space, which ps's joined argv splits): found by the file, not the words.
      const node = await started(process.execPath, [join(b.install, 'cli.js')], src);
      kids.push(node);
      assert.deepEqual(runningFiles((await src.read(node.pid!))!, src.namespace()), [
        { path: join(b.install, 'cli.js'), via: 'script' },
        { path: realpathSync(process.execPath), via: 'exe' },
      ]);
    } finally {
      for (const k of kids) k.kill('SIGKILL');
      b.cleanup();
    }
  });

  test(`${src.kind}: the process watch kills the banned binary started later and spares the spoof`, async () => {
    const b = banned();
    const kids: ChildProcess[] = [];
    const kills: WatchKill[] = [];
    const watch = new ProcessWatch([{ tool: 'banned', finding: 'banned:app:-', rule: 'r', reason: 'banned', bundle_revision: 'r', paths: [b.install] }], {
      source: src,
      intervalMs: 100,
      onKill: (k) => kills.push(k),
    });
    try {
      await watch.tick(); // everything already running is examined once
      const spoof = await spoofOf(b.tool, src);
      kids.push(spoof);
      const real = await started(b.tool, ['30'], src);
      kids.push(real);
      for (let i = 0; i < 20 && kills.length === 0; i++) await watch.tick();
      await exited(real);
      assert.deepEqual(
        kills.map((k) => [k.pid, k.file, k.result.outcome]),
        [[real.pid, b.tool, 'terminated']],
      );
      assert.ok(alive(spoof), 'the spoofed sleep is not the banned binary');
    } finally {
      watch.stop();
      for (const k of kids) k.kill('SIGKILL');
      b.cleanup();
    }
  });

  test(`${src.kind}: a kill re-checks pid + start time + executable: a gone pid, another process in its place, another executable`, async () => {
    const b = banned();
    const kids: ChildProcess[] = [];
    const isTool = (f: { exe: string | null }): string | null => (f.exe === b.tool ? null : `runs ${f.exe}, not the banned binary`);
    try {
      const first = await started(b.tool, ['30'], src);
      const attributed = (await src.read(first.pid!))!;
      first.kill('SIGKILL');
      await exited(first);
      // The pid is gone: nothing to signal.
      assert.equal((await terminateOne({ pid: first.pid!, start: attributed.start }, { source: src, recheck: isTool })).outcome, 'gone');
      // Another process of the same binary, started later, stands where the attributed one was: its
      // start differs, it is not signalled. Start times have a resolution (ps: a second; /proc: a clock
      // tick, 10 ms at USER_HZ 100), so the second one starts at least one unit later — without the wait
      // both could fall in one tick and the test would flake (seen once in a full run).
      await sleep(src.kind === 'ps' ? 1100 : 30);
      const second = await started(b.tool, ['30'], src);
      kids.push(second);
      const r = await terminateOne({ pid: second.pid!, start: attributed.start }, { source: src, recheck: isTool });
      assert.deepEqual([r.outcome, r.error], ['pid_reused', 'started after it was attributed']);
      await sleep(50);
      assert.ok(alive(second));
      // Same pid and start, but the executable is not the banned one: refused with the reason.
      const spoof = await spoofOf(b.tool, src);
      kids.push(spoof);
      const sf = (await src.read(spoof.pid!))!;
      const r2 = await terminateOne({ pid: spoof.pid!, start: sf.start }, { source: src, recheck: isTool });
      assert.deepEqual([r2.outcome, r2.error], ['not_attributed', 'runs /usr/bin/sleep, not the banned binary']);
      assert.ok(alive(spoof));
      // The right one, with its own start time: terminated.
      const own = (await src.read(second.pid!))!;
      const r3 = await terminateOne({ pid: second.pid!, start: own.start }, { source: src, recheck: isTool, termTimeoutMs: 1000 });
      assert.equal(r3.outcome, 'terminated');
      await exited(second);
    } finally {
      for (const k of kids) k.kill('SIGKILL');
      b.cleanup();
    }
  });
}

test('the bundle sets the watch interval: ban list field watch.interval_ms, bounded', () => {
  const list = { schema: 'warden.banlist/v1', name: 'x', mode: 'enforce', default_action: 'allow', message: '', alternative: '', rules: [], exceptions: [] };
  assert.deepEqual(check(BanList, { ...list, watch: { interval_ms: 2000 } }), []);
  assert.ok(check(BanList, { ...list, watch: { interval_ms: 10 } }).length > 0);
  assert.ok(check(BanList, { ...list, watch: { interval_ms: 500, every: 1 } }).length > 0);
  const w = new ProcessWatch([], { source: procfsSource(), intervalMs: 500 });
  w.setInterval(2000);
  assert.equal(w.intervalMs, 2000);
});

test('a source with a process-start event stream (Windows) is examined as processes start, not only at the poll', async () => {
  // The Windows stream (Win32_ProcessStartTrace through PowerShell) cannot run here: this source gives
  // /proc's facts of a real started process through the same subscribe() the watch uses.
  const b = banned();
  const kids: ChildProcess[] = [];
  const base = procfsSource();
  const hook: { emit: ((p: ProcFacts) => void) | null } = { emit: null };
  const src: ProcessSource = {
    ...base,
    subscribe: (onStart) => {
      hook.emit = onStart;
      return () => {
        hook.emit = null;
      };
    },
  };
  const kills: WatchKill[] = [];
  const watch = new ProcessWatch([{ tool: 'banned', finding: 'banned:app:-', rule: 'r', reason: 'banned', bundle_revision: 'r', paths: [b.install] }], {
    source: src,
    intervalMs: 60_000, // the poll does not come round during this test
    onKill: (k) => kills.push(k),
  });
  try {
    watch.start();
    const emit = hook.emit;
    assert.ok(emit, 'the watch subscribed');
    const real = await started(b.tool, ['30'], base);
    kids.push(real);
    const spoof = await spoofOf(b.tool, base);
    kids.push(spoof);
    emit((await base.read(spoof.pid!))!);
    emit((await base.read(real.pid!))!);
    await exited(real);
    for (let i = 0; i < 50 && kills.length === 0; i++) await sleep(10);
    assert.deepEqual(kills.map((k) => [k.pid, k.result.outcome]), [[real.pid, 'terminated']]);
    assert.ok(alive(spoof));
    watch.stop();
    assert.equal(hook.emit, null, 'stop() ends the subscription');
  } finally {
    watch.stop();
    for (const k of kids) k.kill('SIGKILL');
    b.cleanup();
  }
});
