// End to end, the same flow as `npm start` (cli/demo-fleet.ts) in a temp folder: real server on
// 127.0.0.1 with SQLite, the fleet policy compiled by warden's compiler and signed, the example ban
// list published through the admin API, a generated demo root, a real agent. Checks the decisions,
// the actions on disk, the events and the server's report; then a second ban change through the admin
// API reaches the agent by push and is enforced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import axios from 'axios';
import { runDemo } from '../../cli/demo-fleet.ts';
import { formatDemo } from '../../cli/demo.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import { PostgresDriver } from '../../server/src/store/postgres-driver.ts';
import { pgSchema, pgUrl, tempDir } from './helpers.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';

const backends: { name: string; database?: string }[] = [{ name: 'sqlite' }];
const pg = pgUrl();
if (pg) backends.push({ name: 'postgres', database: pg });

for (const backend of backends) test(`npm start flow (${backend.name}): found, decided, did, reported; a pushed ban change is enforced`, { timeout: 300_000 }, async () => {
  const t = tempDir('demo-e2e');
  const d = await runDemo({
    dataDir: join(t.dir, 'demo'),
    port: 0,
    timeoutMs: 180_000,
    ...(backend.database ? { database: backend.database, pgSchema: pgSchema() } : {}),
  });
  try {
    assert.equal(d.bundleError, null, `bundle built: ${d.bundleError}`);
    assert.ok(d.bundle, 'a signed bundle was published');
    assert.equal(d.agent.activeBundle()?.revision, d.bundle.revision, 'the agent verified and applied it');

    // Found: every fake install the demo root holds.
    const inv = d.cycle.inventory;
    assert.ok(inv);
    for (const e of d.expected) {
      assert.ok(
        inv.findings.some((f) => f.tool_id === e.tool && f.channel === e.channel && f.user === e.user),
        `found ${e.tool} (${e.channel}, ${e.user ?? 'machine'})`,
      );
    }

    // Decided: Claude Code quarantined by the ban rule, Qoder allowed by its rule, the rest default.
    const byFinding = new Map(d.cycle.decisions.map((x) => [x.finding, x]));
    const claude = d.cycle.decisions.filter((x) => x.tool === 'claude-code');
    assert.ok(claude.length >= 1);
    for (const x of claude) {
      assert.equal(x.action, 'quarantine');
      assert.equal(x.rule, 'ban-claude-code');
      assert.match(x.alternative, /Qoder/);
    }
    const qoder = d.cycle.decisions.find((x) => x.tool === 'qoder-cli');
    assert.equal(qoder?.action, 'allow');
    assert.equal(qoder?.rule, 'allow-qoder');
    assert.equal(byFinding.size, inv.findings.length, 'one decision per finding');

    // Did: the Claude Code installs left the demo root for the vault; a notice shim stands where the
    // command was; events say so.
    const quarantined = d.cycle.events.filter((e) => e.kind === 'quarantine' && e.result === 'ok');
    assert.equal(quarantined.length, claude.length);
    for (const e of quarantined) for (const p of e.paths ?? []) assert.ok(!existsSync(p) || readFileSync(p, 'utf8').includes('warden'), `${p} moved (or replaced by the notice shim)`);
    assert.ok(d.cycle.events.some((e) => e.kind === 'notice' && e.tool === 'claude-code'));
    assert.equal(d.cycle.queued, 0, 'everything uploaded');
    // The employee can see what was reported: the tray app reads this file.
    // The employees can see what was reported: the machine-wide part, and each home owner their own
    // part (the demo's homes all belong to whoever runs it).
    const pub = enforceState(join(t.dir, 'demo', 'agent'));
    const parts = [join(pub.machineDir, 'report.json'), ...readdirSync(pub.usersDir).map((k) => join(pub.usersDir, k, 'report.json'))].map(
      (p) => JSON.parse(readFileSync(p, 'utf8')) as { findings: unknown[]; decisions: { tool: string; action: string }[] },
    );
    // A cron cycle may have run since the first one (the demo checks in every minute; CI saw it at a
    // minute's turn) and no longer finds the quarantined installs: the files hold one scan's findings.
    const total = parts.reduce((n, p) => n + p.findings.length, 0);
    const scans = d.agent.history.flatMap((c) => (c.inventory ? [c.inventory.findings.length] : []));
    assert.ok(scans.includes(total), `the reports' ${total} findings are one scan's (scans found ${scans.join(', ')})`);
    assert.ok(parts.some((p) => p.decisions.some((x) => x.tool === 'claude-code' && x.action === 'quarantine')));

    // Reported: the server holds the events and lists the device as non-compliant.
    const auth = { headers: { authorization: `Bearer ${d.admin.token}` } };
    const events = (d.report.events as { events: { event: { kind: string; tool: string } }[] }).events;
    assert.equal(events.filter((e) => e.event.kind === 'quarantine').length, quarantined.length);
    const nc = (d.report.noncompliant as { rows: { device_id: string; tools: string; bundle_revision: string }[] }).rows;
    const row = nc.find((r) => r.device_id === d.deviceId);
    assert.ok(row, 'device in the non-compliant report');
    assert.match(row.tools, /claude-code/);
    assert.equal(row.bundle_revision, d.bundle.revision);
    const csv = await axios.get(`${d.url}/api/v1/reports/inventory-by-tool?format=csv`, auth);
    assert.match(String(csv.data), /claude-code/);

    const printed = formatDemo(d);
    assert.match(printed, /Found:[\s\S]*claude-code[\s\S]*Decided:[\s\S]*quarantine[\s\S]*Did:[\s\S]*quarantined as/);
    assert.ok(printed.includes(d.url) && printed.includes(d.admin.password));
    // The printed tray URL serves the demo employees' notices (the quarantine of Claude Code among them).
    assert.ok(printed.includes(d.trayUrl));
    const trayToken = new URLSearchParams(new URL(d.trayUrl).hash.slice(1)).get('token') ?? '';
    const view = (await (await fetch(new URL('/api/view', d.trayUrl), { headers: { 'x-warden-tray-token': trayToken } })).json()) as { notices: { tool: string; action: string }[] };
    assert.ok(view.notices.some((n) => n.tool === 'claude-code' && n.action === 'quarantine'), JSON.stringify(view.notices));

    // IT also blocks Gemini CLI: admin API → new signed bundle → push → applied → decided → reported.
    const list = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;
    list.rules.push({ id: 'block-gemini', action: 'block', match: { tools: ['gemini-cli'] } });
    const applied = d.agent.waitFor((r) => r.trigger.startsWith('push') && r.decisions.some((x) => x.tool === 'gemini-cli' && x.action === 'block'), 120_000);
    const put = await axios.put(`${d.url}/api/v1/bans`, { list, why: 'e2e: block Gemini CLI' }, auth);
    assert.equal(put.status, 200);
    const r2 = await applied;
    assert.ok(r2.bundle?.changed);
    assert.ok(r2.events.some((e) => e.tool === 'gemini-cli' && e.kind === 'notice'));
    const stored = await axios.get(`${d.url}/api/v1/events`, { ...auth, params: { device: d.deviceId, limit: 500 } });
    assert.ok((stored.data as { events: { event: { tool: string } }[] }).events.some((e) => e.event.tool === 'gemini-cli'));
    const dev = await d.store.getDevice(d.deviceId);
    assert.equal(dev?.bundleRevision, r2.bundle?.revision);
  } finally {
    await d.agent.stop();
    const driver = d.store.driver;
    if (driver instanceof PostgresDriver) await driver.dropSchema();
    await d.stop();
    t.cleanup();
  }
});
