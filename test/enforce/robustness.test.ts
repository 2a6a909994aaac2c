// Hostile or damaged input around enforcement: a ban-list message cannot inject shell commands into
// a notice shim; a torn outbox line, a corrupt notice file, a corrupt vault manifest or a stray journal
// file lose nothing else and stop nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { shimFor, SHIM_EXIT } from '../../agent/src/enforce/shim.ts';
import { appendEvent, makeEvent, readEvents } from '../../agent/src/enforce/outbox.ts';
import { recordNotice, readNotices } from '../../agent/src/enforce/notices.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { listQuarantine, recoverInterrupted, restore, quarantine } from '../../agent/src/enforce/vault.ts';
import { decision, finding, inventory, npmInstall, tempRoot } from './fixtures.ts';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';

test('a notice shim prints hostile message text literally and runs nothing', () => {
  const t = tempRoot('shim');
  try {
    const marker = join(t.dir, 'pwned');
    const message = `Banned. $(touch ${marker}) \`touch ${marker}\` '; touch ${marker}; echo '\nline two\u0007 with a bell`;
    const shim = join(t.dir, 'claude');
    writeFileSync(shim, shimFor(shim, { id: 'q-20260601T000000-00000000', toolName: 'Claude Code', message, alternative: "Qoder's CLI" }));
    chmodSync(shim, 0o755);
    const r = spawnSync(shim, [], { encoding: 'utf8', cwd: t.dir });
    assert.equal(r.status, SHIM_EXIT);
    assert.equal(existsSync(marker), false, 'nothing from the message was executed');
    assert.ok(r.stderr.includes(`$(touch ${marker})`));
    assert.ok(r.stderr.includes("'; touch"));
    assert.ok(r.stderr.includes('line two with a bell'), 'control characters dropped');
    assert.ok(r.stderr.includes("Approved alternative: Qoder's CLI"));
  } finally {
    t.cleanup();
  }
});

test('a Windows .cmd shim escapes cmd metacharacters', () => {
  const text = shimFor('C:/npm/claude.cmd', { id: 'q-20260601T000000-00000000', toolName: 'Claude Code', message: 'Use 100% & <Qoder> | ^now', alternative: '' });
  assert.match(text, /^@echo off\r\n/);
  assert.match(text, /echo Use 100%% \^& \^<Qoder\^> \^\| \^\^now 1>&2/);
  assert.match(text, /exit \/b 126/);
});

test('a torn last outbox line (crash mid-append) is skipped; the events before it survive', () => {
  const t = tempRoot('outbox-torn');
  try {
    const path = enforceState(t.state).outbox;
    const base = { kind: 'notice' as const, tool: 't', finding: 'f', action: 'warn' as const, rule: 'r', reason: 'x', bundle_revision: 'b', result: 'ok' as const, detail: 'd' };
    appendEvent(path, makeEvent(base));
    appendEvent(path, makeEvent(base));
    appendFileSync(path, '{"id":"half-writ');
    assert.equal(readEvents(path).length, 2);
    assert.throws(() => appendEvent(path, { ...makeEvent(base), id: 'not-a-uuid' }), /invalid event/);
  } finally {
    t.cleanup();
  }
});

test('a corrupt notice file is replaced rather than stopping enforcement', () => {
  const t = tempRoot('notices-corrupt');
  try {
    const path = enforceState(t.state).notices;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{"notices": [ {broken');
    const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const f = finding('claude-code', 'Claude Code', claude);
    assert.equal(recordNotice(path, decision(f, 'warn'), 'r', new Date()), 'new');
    assert.equal(readNotices(path).length, 1);
  } finally {
    t.cleanup();
  }
});

test('a corrupt manifest hides that entry from list and restore but keeps its files; stray journal files are left alone', () => {
  const t = tempRoot('vault-corrupt');
  try {
    const state = enforceState(t.state);
    const a = npmInstall(join(t.root, 'a'), '@anthropic-ai/claude-code', 'claude');
    const b = npmInstall(join(t.root, 'b'), '@anthropic-ai/claude-code', 'claude');
    const req = (i: ReturnType<typeof npmInstall>) => ({
      tool: 'claude-code', toolName: 'Claude Code', finding: 'f', decision: decision(finding('claude-code', 'Claude Code', i), 'quarantine'),
      bundleRevision: 'r', paths: [i.pkgDir], commands: [],
    });
    const ma = quarantine(state, req(a));
    const mb = quarantine(state, req(b));
    writeFileSync(join(state.vault, ma.id, 'manifest.json'), '{ not json');
    writeFileSync(join(state.journal, 'notes.txt'), 'left by a human');
    writeFileSync(join(state.journal, 'q-bogus.json'), '{"op":"explode"}');
    assert.deepEqual(recoverInterrupted(state), []);
    assert.deepEqual(listQuarantine(state).map((m) => m.id), [mb.id]);
    assert.throws(() => restore(state, ma.id), /no quarantined entry/);
    assert.ok(existsSync(join(state.vault, ma.id, 'items', '0', 'package.json')), 'files of the damaged entry are kept');
    assert.equal(readFileSync(join(state.journal, 'notes.txt'), 'utf8'), 'left by a human');
    assert.deepEqual(restore(state, mb.id).problems, []);
  } finally {
    t.cleanup();
  }
});

test('warden-agent quarantine completes an interrupted restore at start and records it', async () => {
  const { runQuarantineCommand } = await import('../../agent/src/enforce/quarantine-command.ts');
  const t = tempRoot('cli-recover');
  try {
    const state = enforceState(t.state);
    const inst = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const { describeTree, diffTrees } = await import('../../agent/src/enforce/tree.ts');
    const before = describeTree(t.root);
    const m = quarantine(state, {
      tool: 'claude-code', toolName: 'Claude Code', finding: 'f', decision: decision(finding('claude-code', 'Claude Code', inst), 'quarantine'),
      bundleRevision: 'r', paths: [inst.pkgDir, inst.binLink], commands: [inst.binLink],
    });
    // What a restore killed right after writing its journal leaves behind.
    writeFileSync(join(state.journal, `${m.id}.json`), JSON.stringify({ op: 'restore', id: m.id, time: new Date().toISOString() }));
    let out = '';
    let err = '';
    const code = await runQuarantineCommand(['list', '--root', t.root, '--os', 'linux', '--state', t.state], { out: (s) => (out += s), err: (s) => (err += s) });
    assert.equal(code, 0);
    assert.match(err, new RegExp(`recovered interrupted restore ${m.id}: completed`));
    assert.match(out, /vault is empty/);
    assert.deepEqual(diffTrees(before, describeTree(t.root)), []);
    const ev = readEvents(state.outbox).find((e) => e.kind === 'recover');
    assert.equal(ev?.quarantine_id, m.id);
  } finally {
    t.cleanup();
  }
});

test('one failing action is reported and does not stop the others', async () => {
  const t = tempRoot('one-fails');
  try {
    const state = enforceState(t.state);
    mkdirSync(state.notices, { recursive: true }); // a folder where the notice file should be: writing it fails
    const claude = npmInstall(t.root, '@anthropic-ai/claude-code', 'claude');
    const gemini = npmInstall(t.root, '@google/gemini-cli', 'gemini');
    const fc = finding('claude-code', 'Claude Code', claude);
    const fg = finding('gemini-cli', 'Gemini CLI', gemini);
    const decisions = [decision(fc, 'warn'), decision(fg, 'configure', { settings: { a: 1 } })];
    const report = await enforceDecisions(decisions, inventory(t.root, [fc, fg]), { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r' });
    assert.match(report.actions[0]!.steps.join(), /failed:/);
    assert.ok(existsSync(join(t.root, 'etc', 'gemini-cli', 'settings.json')), 'the next action still ran');
    const kinds = readEvents(state.outbox).map((e) => `${e.kind}:${e.result}`);
    assert.deepEqual(kinds, ['decision:failed', 'configure:ok']);
    assert.deepEqual(readdirSync(t.state).filter((n) => n.endsWith('.tmp')), [], 'no temp file left behind');
  } finally {
    t.cleanup();
  }
});
