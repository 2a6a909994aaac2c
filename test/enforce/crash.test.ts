// Crash safety of quarantine and restore: a real child process runs the operation and is killed with
// SIGKILL at a seeded random instant; the parent then runs start-up recovery and checks that no byte,
// mode or link was lost: every item is either back at its original place or in the vault with its
// manifest, and a final restore gives the original tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync, chmodSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { describeTree, diffTrees } from '../../agent/src/enforce/tree.ts';
import { listQuarantine, quarantine, recoverInterrupted, restore, type QuarantineRequest } from '../../agent/src/enforce/vault.ts';
import { isOurShim } from '../../agent/src/enforce/shim.ts';
import { decision, finding, npmInstall, tempRoot } from './fixtures.ts';
import { mulberry32 } from '../support/prng.ts';

const TRIALS = Number(process.env.WARDEN_CRASH_TRIALS ?? 200);
const SEED = Number(process.env.WARDEN_CRASH_SEED ?? 20261124);
const PARALLEL = 3;

interface RunResult {
  killed: boolean;
  ms: number | null;
}

/** Runs the child; kills it `delayMs` after it says "go" (never, when delayMs is null). */
function runChild(bundle: string, args: string[], delayMs: number | null): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (delayMs !== null && timer === null && out.includes('go\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') return resolve({ killed: true, ms: null });
      if (code !== 0) return reject(new Error(`crash child failed (${code}): ${err}`));
      const m = /done ([\d.]+)/.exec(out);
      resolve({ killed: false, ms: m ? Number(m[1]) : null });
    });
  });
}

/** A small install: a package folder (files with distinct modes, a symlink), its bin link, one lone file. */
function makeInstall(root: string, seed: number): { req: QuarantineRequest } {
  const inst = npmInstall(root, '@anthropic-ai/claude-code', 'claude', { seed });
  const lone = join(root, 'opt', 'claude-extra', 'claude-helper');
  mkdirSync(join(root, 'opt', 'claude-extra'), { recursive: true });
  writeFileSync(lone, `helper ${seed}\n`);
  chmodSync(lone, 0o750);
  for (let i = 0; i < 6; i++) writeFileSync(join(inst.pkgDir, `mod${i}.js`), `// ${seed} ${i}\n`.repeat(50 + i));
  const f = finding('claude-code', 'Claude Code (CLI)', inst);
  return {
    req: {
      tool: 'claude-code',
      toolName: 'Claude Code (CLI)',
      finding: 'claude-code:npm:-',
      decision: decision(f, 'quarantine'),
      bundleRevision: 'crash-test',
      paths: [inst.pkgDir, inst.binLink, lone],
      commands: [inst.binLink],
    },
  };
}

function journalPending(stateDir: string): boolean {
  const j = join(stateDir, 'journal');
  return existsSync(j) && readdirSync(j).length > 0;
}

/** After recovery: either untouched, or fully quarantined (vault copy identical, shims in place). */
function checkInvariant(root: string, stateDir: string, before: ReturnType<typeof describeTree>, req: QuarantineRequest): 'original' | 'quarantined' {
  const state = enforceState(stateDir);
  assert.equal(journalPending(stateDir), false, 'recovery leaves no journal');
  const list = listQuarantine(state);
  const entries = existsSync(state.vault) ? readdirSync(state.vault) : [];
  if (list.length === 0) {
    assert.deepEqual(entries, [], 'no half-made vault entry');
    assert.deepEqual(diffTrees(before, describeTree(root)), []);
    return 'original';
  }
  assert.equal(list.length, 1);
  const m = list[0]!;
  assert.deepEqual(entries, [m.id]);
  assert.deepEqual(m.items.map((i) => i.original), req.paths);
  for (const it of m.items) {
    assert.deepEqual(diffTrees(it.tree, describeTree(join(state.vault, m.id, 'items', String(it.index)))), [], `vault copy of ${it.original}`);
    if (it.shim) assert.ok(isOurShim(it.original, m.id), `shim at ${it.original}`);
    else assert.equal(existsSync(it.original), false);
  }
  return 'quarantined';
}

test(`crash safety: ${TRIALS} seeded SIGKILLs during quarantine and restore lose no byte`, { timeout: 600_000 }, async () => {
  const t = tempRoot('crash');
  const cleanups: (() => void)[] = [];
  try {
    const bundle = join(t.dir, 'crash-child.cjs');
    buildSync({ entryPoints: [join(import.meta.dirname, 'crash-child.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });

    // A second file system (tmpfs) for the vault-across-devices path (copy, fsync, rename, delete).
    const xdev = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev ? mkdtempSync('/dev/shm/warden-crash-') : null;
    cleanups.push(() => xdev && rmSync(xdev, { recursive: true, force: true }));

    // Calibrate: how long one uninterrupted operation takes here, so kill instants spread across it.
    const span: Record<string, number> = {};
    for (const cross of xdev ? [false, true] : [false]) {
      const cal = join(cross ? xdev! : t.dir, `cal-${cross}`);
      const calQ = makeInstall(join(cal, 'root'), 1);
      const q = await runChild(bundle, ['quarantine', join(t.dir, `cal-state-${cross}`), JSON.stringify(calQ.req)], null);
      const id = listQuarantine(enforceState(join(t.dir, `cal-state-${cross}`)))[0]!.id;
      const r = await runChild(bundle, ['restore', join(t.dir, `cal-state-${cross}`), id], null);
      span[`quarantine:${cross}`] = Math.max(q.ms ?? 5, 1);
      span[`restore:${cross}`] = Math.max(r.ms ?? 5, 1);
    }

    const rnd = mulberry32(SEED);
    const stats = { trials: 0, crossDevice: 0, killed: 0, midOperation: 0, endedOriginal: 0, endedQuarantined: 0 };
    const trial = async (n: number, op: 'quarantine' | 'restore', cross: boolean, delay: number): Promise<void> => {
      const dir = join(t.dir, `t${n}`);
      const root = join(cross ? xdev! : dir, cross ? `t${n}-root` : 'root');
      const stateDir = join(dir, 'state');
      if (cross) stats.crossDevice++;
      mkdirSync(root, { recursive: true });
      const { req } = makeInstall(root, n);
      const before = describeTree(root);
      const state = enforceState(stateDir);
      let res: RunResult;
      if (op === 'quarantine') {
        res = await runChild(bundle, ['quarantine', stateDir, JSON.stringify(req)], delay);
      } else {
        const m = quarantine(state, req);
        res = await runChild(bundle, ['restore', stateDir, m.id], delay);
      }
      if (res.killed) stats.killed++;
      if (journalPending(stateDir)) stats.midOperation++;
      // "Next agent start": recover, then check nothing was lost.
      for (const rec of recoverInterrupted(state)) assert.notEqual(rec.outcome, 'failed', rec.error);
      const where = checkInvariant(root, stateDir, before, req);
      if (where === 'original') stats.endedOriginal++;
      else stats.endedQuarantined++;
      if (where === 'quarantined') {
        const [m] = listQuarantine(state);
        assert.deepEqual(restore(state, m!.id).problems, []);
      }
      assert.deepEqual(diffTrees(before, describeTree(root)), [], `trial ${n} (${op}${cross ? ', cross-device' : ''}, kill after ${delay.toFixed(2)} ms)`);
      stats.trials++;
      rmSync(dir, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    };

    const plan = Array.from({ length: TRIALS }, (_, n) => {
      const op: 'quarantine' | 'restore' = n % 2 === 0 ? 'quarantine' : 'restore';
      const cross = xdev !== null && n % 4 >= 2; // half the trials of each operation cross devices
      return { n, op, cross, delay: rnd() * (span[`${op}:${cross}`] ?? 5) * 1.2 };
    });
    for (let i = 0; i < plan.length; i += PARALLEL) {
      await Promise.all(plan.slice(i, i + PARALLEL).map((p) => trial(p.n, p.op, p.cross, p.delay)));
    }
    process.stdout.write(`# crash test: ${JSON.stringify({ seed: SEED, span_ms: span, ...stats })}\n`);
    assert.equal(stats.trials, TRIALS);
    // The test is only meaningful if kills really landed inside operations.
    assert.ok(stats.midOperation > 0, 'no kill landed mid-operation');
  } finally {
    for (const c of cleanups) c();
    t.cleanup();
  }
});
