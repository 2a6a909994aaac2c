// quarantine → restore on real files in a temp root: byte-identical trees with modes, a notice shim
// that prints the company message and exits non-zero, list/restore, refusal to restore over a reinstall.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { readEvents } from '../../agent/src/enforce/outbox.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { describeTree, diffTrees } from '../../agent/src/enforce/tree.ts';
import { listQuarantine, restore, QuarantineError } from '../../agent/src/enforce/vault.ts';
import { readNotices } from '../../agent/src/enforce/notices.ts';
import { SHIM_EXIT } from '../../agent/src/enforce/shim.ts';
import { decision, finding, inventory, npmInstall, tempRoot } from './fixtures.ts';

test('quarantine moves the install into the vault, leaves a notice shim, restore puts back every byte and mode', async () => {
  const t = tempRoot('quarantine');
  try {
    const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const other = npmInstall(t.root, 'qoder-cli', 'qoder', { seed: 3 });
    const before = describeTree(t.root);
    const f = finding('claude-code', 'Claude Code (CLI)', claude);
    const q = finding('qoder-cli', 'Qoder CLI', other);
    const d = decision(f, 'quarantine', { message: "Claude Code is banned. It's not approved.", alternative: 'Qoder (from the portal)' });
    const report = await enforceDecisions([d, decision(q, 'allow')], inventory(t.root, [f, q]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'rev-1' });

    // The package folder is gone; the command is now our shim; the allowed tool is untouched.
    assert.equal(existsSync(claude.pkgDir), false);
    assert.ok(lstatSync(claude.binLink).isFile());
    assert.deepEqual(diffTrees(describeTree(other.pkgDir), describeTree(other.pkgDir)), []);
    assert.ok(existsSync(other.cli));
    const run = spawnSync(claude.binLink, ['--help'], { encoding: 'utf8' });
    assert.equal(run.status, SHIM_EXIT);
    assert.match(run.stderr, /Claude Code is banned\. It's not approved\./);
    assert.match(run.stderr, /Approved alternative: Qoder \(from the portal\)/);
    assert.equal(run.stdout, '');

    const state = enforceState(t.state);
    const list = listQuarantine(state);
    assert.equal(list.length, 1);
    const m = list[0]!;
    assert.equal(m.tool, 'claude-code');
    assert.deepEqual(m.items.map((i) => i.original).sort(), [claude.binLink, claude.pkgDir].sort());
    const blob = m.items.find((i) => i.original === claude.pkgDir)!.tree.find((e) => e.rel === 'vendor/blob.bin')!;
    assert.equal(blob.mode, 0o640);
    assert.match(blob.sha256 ?? '', /^[0-9a-f]{64}$/);

    const events = readEvents(state.outbox);
    assert.deepEqual(events.map((e) => e.kind), ['notice', 'quarantine']);
    assert.equal(events[1]!.quarantine_id, m.id);
    assert.equal(events[1]!.bundle_revision, 'rev-1');
    assert.equal(readNotices(state.notices).length, 1);
    assert.ok(report.actions.find((a) => a.tool === 'claude-code')!.steps.some((s) => s.startsWith('quarantined as')));

    // Enforcing again finds nothing left to move (idempotent) and does not add a second notice event,
    // even when the next scan reports the notice shim itself as the tool's command.
    const rescanned = finding('claude-code', 'Claude Code (CLI)', claude, [], {
      evidence: [...f.evidence, { signal: 'path_binary', path: claude.binLink, strong: true }],
    });
    await enforceDecisions([d], inventory(t.root, [rescanned]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'rev-1' });
    assert.equal(listQuarantine(state).length, 1);
    assert.equal(readEvents(state.outbox).length, 2);

    const r = restore(state, m.id);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(diffTrees(before, describeTree(t.root)), []);
    assert.equal(readFileSync(claude.cli, 'utf8').startsWith('#!/usr/bin/env node'), true);
    assert.equal(listQuarantine(state).length, 0);
    assert.throws(() => restore(state, m.id), QuarantineError);
  } finally {
    t.cleanup();
  }
});

test('restore refuses to overwrite something reinstalled at the original place, and changes nothing', async () => {
  const t = tempRoot('reinstall');
  try {
    const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const f = finding('claude-code', 'Claude Code (CLI)', claude);
    await enforceDecisions([decision(f, 'quarantine')], inventory(t.root, [f]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r' });
    const state = enforceState(t.state);
    const [m] = listQuarantine(state);
    assert.ok(m);
    unlinkSync(claude.binLink);
    writeFileSync(claude.binLink, 'reinstalled by the user\n');
    const vaultBefore = describeTree(state.vault);
    assert.throws(() => restore(state, m.id), /occupied/);
    assert.deepEqual(diffTrees(vaultBefore, describeTree(state.vault)), []);
    assert.equal(readFileSync(claude.binLink, 'utf8'), 'reinstalled by the user\n');
    rmSync(claude.binLink);
    assert.deepEqual(restore(state, m.id).problems, []);
  } finally {
    t.cleanup();
  }
});

test('quarantine refuses shared folders and paths outside the root', async () => {
  const t = tempRoot('refuse');
  try {
    const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const f = finding('claude-code', 'Claude Code (CLI)', claude, [], {
      evidence: [
        { signal: 'binary', path: `${t.root}/usr/local/bin`, strong: true },
        { signal: 'binary', path: t.dir, strong: true },
        { signal: 'config_dir', path: `${t.root}/usr/local/lib`, strong: false },
      ],
    });
    const before = describeTree(t.root);
    const report = await enforceDecisions([decision(f, 'quarantine')], inventory(t.root, [f]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r' });
    assert.deepEqual(diffTrees(before, describeTree(t.root)), []);
    const steps = report.actions[0]!.steps.join('\n');
    assert.match(steps, /'bin' is a shared folder/);
    assert.match(steps, /outside the scan root/);
    assert.match(steps, /nothing left to quarantine/);
  } finally {
    t.cleanup();
  }
});
