// The tray's logic without Electron: icon state and tooltip, the menu of recent notices, and which
// notices become desktop notifications (once each; warnings silenceable, blocks never), with the
// memory of what was shown kept in the employee's own file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ViewNotice, ViewReport } from '../../tray-app/src/agent-view.ts';
import { loadMemory, menuModel, notificationsFor, saveMemory, silence, trayStatus, type NotifyMemory } from '../../tray-app/src/tray-model.ts';
import type { Decision } from '../../wire/src/decision.ts';

const NOW = new Date('2026-12-03T12:00:00Z');

function notice(tool: string, action: string, at: string, extra: Partial<ViewNotice> = {}): ViewNotice {
  return {
    id: `${tool}:alice:${at.slice(0, 10)}`, tool, day: at.slice(0, 10), action, message: `${tool} is not approved`, alternative: action === 'warn' ? '' : 'Qoder', grace_until: action === 'warn' ? '2026-12-10T00:00:00Z' : null,
    rule: `r-${tool}`, bundle_revision: '1.0', first_seen: at, last_seen: at, count: 1, read: false, user: 'alice', scope: 'user', ...extra,
  };
}

function decision(tool: string, action: Decision['action'], grace: string | null = null, monitor = false): Decision {
  return { finding: `${tool}:npm:alice`, tool, action, reason: '', message: '', alternative: '', rule: '', grace_until: grace, monitor, settings: null };
}

function report(decisions: Decision[]): ViewReport {
  return {
    scanned_at: NOW.toISOString(), bundle_revision: '1.0', host: { hostname: 'h', os: { platform: 'linux', distro: 'd', release: '1', arch: 'x64' }, serial: null }, users: ['alice'],
    findings: [{ tool_id: 'claude-code', name: 'Claude Code (CLI)', vendor: 'Anthropic', vendor_country: null, category: 'agentic-cli', version: '2.0.22', channel: 'npm', user: 'alice', paths: [], evidence: [], confidence: 'high', running: [] }],
    decisions,
  };
}

test('tray state comes from the current decisions: blocked beats warning beats compliant; monitor-only decisions change nothing', () => {
  assert.deepEqual(trayStatus(report([decision('claude-code', 'block'), decision('cursor', 'warn', '2026-12-10T00:00:00Z')]), [], NOW), {
    state: 'blocked', tools: ['Claude Code (CLI)'], tooltip: 'warden: Claude Code (CLI) is blocked on this computer',
  });
  assert.deepEqual(trayStatus(report([decision('cursor', 'warn', '2026-12-10T00:00:00Z'), decision('claude-code', 'block', null, true)]), [], NOW), {
    state: 'warning', tools: ['cursor'], tooltip: 'warden: cursor will be blocked after 2026-12-10',
  });
  // A block from last week whose tool is gone: the current report says allowed, the icon is green.
  const old = [notice('claude-code', 'block', '2026-11-25T10:00:00Z')];
  assert.equal(trayStatus(report([decision('claude-code', 'allow')]), old, NOW).state, 'compliant');
  // Before the agent's first report: today's notices decide.
  assert.equal(trayStatus(null, [notice('claude-code', 'quarantine', '2026-12-03T09:00:00Z')], NOW).state, 'blocked');
  assert.equal(trayStatus(null, old, NOW).state, 'compliant');
});

test('the menu lists the most recent notices with their action, then the pages and quit', () => {
  const notices = Array.from({ length: 7 }, (_, i) => notice(i === 0 ? 'claude-code' : `tool-${i}`, i === 0 ? 'block' : 'notify', `2026-12-0${3 - (i % 3)}T0${i}:00:00Z`, { read: i > 2 }));
  const r = report([decision('claude-code', 'block')]);
  const menu = menuModel(trayStatus(r, notices, NOW), notices, r, 5);
  assert.deepEqual(menu[0], { kind: 'status', label: 'Claude Code (CLI) is blocked on this computer' });
  const items = menu.filter((m) => m.kind === 'notice');
  assert.equal(items.length, 5);
  assert.deepEqual(items[0], { kind: 'notice', id: notices[0]!.id, unread: true, label: 'Blocked: Claude Code (CLI) (2026-12-03)' });
  assert.equal(items[4]?.kind === 'notice' && items[4].unread, false);
  assert.deepEqual(menu.filter((m) => m.kind === 'open').map((m) => m.kind === 'open' && m.label), ['All notices (7)…', 'Open warden', 'My exception requests', 'What warden checks']);
  assert.deepEqual(menu.at(-1), { kind: 'quit', label: 'Quit' });
  assert.deepEqual(menuModel(trayStatus(null, [], NOW), [], null)[2], { kind: 'status', label: 'No notices' });
});

test('notifications: each notice once, again on escalation; warnings silenced per tool, blocks never; dismissed and stale ones not shown', () => {
  const warn = notice('cursor', 'warn', '2026-12-03T10:00:00Z');
  const block = notice('claude-code', 'block', '2026-12-03T11:00:00Z');
  const r = report([]);
  let mem: NotifyMemory = { notified: [], silenced: [] };
  let out = notificationsFor([block, warn], mem, r, NOW);
  assert.deepEqual(out.show.map((n) => [n.title, n.urgent]), [['cursor will be blocked', false], ['Claude Code (CLI) was blocked', true]]);
  assert.equal(out.show[1]?.body, 'claude-code is not approved. Use Qoder instead.');
  mem = out.memory;
  // The same notices on the next poll: nothing new.
  assert.deepEqual(notificationsFor([block, warn], mem, r, NOW).show, []);
  // Escalation warn → block is news.
  out = notificationsFor([{ ...warn, action: 'block' }], mem, r, NOW);
  assert.deepEqual(out.show.map((n) => n.title), ['cursor was blocked']);
  // Silencing cursor silences its warnings, not its blocks; another tool's warning still shows.
  mem = silence(mem, 'cursor', true);
  const tomorrow = new Date('2026-12-04T12:00:00Z');
  const warn2 = notice('cursor', 'warn', '2026-12-04T10:00:00Z');
  const block2 = notice('cursor', 'quarantine', '2026-12-04T11:00:00Z', { id: 'cursor:alice:2026-12-04b' });
  const other = notice('aider', 'warn', '2026-12-04T09:00:00Z');
  out = notificationsFor([block2, warn2, other], mem, r, tomorrow);
  assert.deepEqual(out.show.map((n) => n.title), ['aider will be blocked', 'cursor was removed']);
  // The silenced warning counts as handled: un-silencing later does not replay it.
  assert.deepEqual(notificationsFor([warn2], silence(out.memory, 'cursor', false), r, tomorrow).show, []);
  // Dismissed (read) and day-old notices stay off the desktop; notify/observe never notify.
  assert.deepEqual(notificationsFor([notice('x', 'block', '2026-12-04T10:00:00Z', { read: true }), notice('y', 'block', '2026-12-02T10:00:00Z'), notice('z', 'notify', '2026-12-04T10:00:00Z')], { notified: [], silenced: [] }, r, tomorrow).show, []);
});

test("the memory lives in the employee's own 0600 file; a corrupt one starts afresh", () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-tray-mem-'));
  try {
    assert.deepEqual(loadMemory(dir), { notified: [], silenced: [] });
    saveMemory(dir, { notified: ['a|block'], silenced: ['cursor'] });
    assert.deepEqual(loadMemory(dir), { notified: ['a|block'], silenced: ['cursor'] });
    assert.equal(statSync(join(dir, 'notifications.json')).mode & 0o777, 0o600);
    writeFileSync(join(dir, 'notifications.json'), '{"notified": [1, "b|warn"], "silenced": "cursor"}');
    assert.deepEqual(loadMemory(dir), { notified: ['b|warn'], silenced: [] });
    writeFileSync(join(dir, 'notifications.json'), 'garbage');
    assert.deepEqual(loadMemory(dir), { notified: [], silenced: [] });
    assert.ok(readFileSync(join(dir, 'notifications.json'), 'utf8') === 'garbage', 'never overwritten just by reading');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
