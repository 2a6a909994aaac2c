// The tray app's pages in a real browser (Debian's Chromium via playwright-core) against the real
// local page server over a temp state folder: notices written by the agent's own notice recorder
// appear with message and alternative, dismissing one persists, and the API refuses callers
// without the session token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { recordNotice, readNotices } from '../../agent/src/enforce/notices.ts';
import type { Decision } from '../../wire/src/decision.ts';
import type { Finding } from '../../wire/src/inventory.ts';
import { PUBLIC_REPORT_SCHEMA, type PublicReport } from '../../wire/src/public-state.ts';
import { startTrayServer, type TrayServer } from '../../tray-app/src/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'warden-tray-'));
// The agent's public files as the tray sees them: this employee's folder and the machine-wide one.
const userDir = join(dir, 'public', 'users', 'me');
const machineDir = join(dir, 'public', 'machine');
const trayStateDir = join(dir, 'employee');
const noticesPath = join(userDir, 'notices.json');
const reportPath = join(userDir, 'report.json');
const readStatePath = join(trayStateDir, 'read-notices.json');
let server: TrayServer;
let browser: Browser;

function decision(tool: string, action: Decision['action'], alternative: string): Decision {
  return {
    finding: `${tool}:npm:alice`,
    tool,
    action,
    reason: `${tool} is on the ban list`,
    message: `${tool} is not approved at Example Corp.`,
    alternative,
    rule: `ban-${tool}`,
    grace_until: action === 'warn' ? '2026-12-01T00:00:00Z' : null,
    monitor: false,
    settings: null,
  };
}

before(async () => {
  const now = new Date('2026-11-24T10:00:00Z');
  recordNotice(noticesPath, decision('claude-code', 'block', 'Qoder'), 'rev-1', now);
  recordNotice(noticesPath, decision('cursor', 'warn', ''), 'rev-1', new Date('2026-11-24T11:00:00Z'));
  mkdirSync(machineDir, { recursive: true });
  const found = (tool_id: string, name: string, version: string, channel: Finding['channel']): Finding => ({
    tool_id, name, vendor: 'v', vendor_country: null, category: 'agentic-cli', version, channel, user: 'alice', paths: [], evidence: [], confidence: 'high', running: [],
  });
  const report: PublicReport = {
    schema: PUBLIC_REPORT_SCHEMA,
    scope: 'user',
    users: ['alice'],
    scanned_at: '2026-11-24T11:00:00Z',
    bundle_revision: 'rev-1',
    host: { hostname: 'h', os: { platform: 'linux', distro: 'd', release: '1', arch: 'x64' }, serial: null },
    findings: [found('claude-code', 'Claude Code (CLI)', '2.0.14', 'npm'), found('aider', 'Aider', '0.86.1', 'pipx')],
    decisions: [decision('claude-code', 'block', 'Qoder')],
    skipped: [],
  };
  writeFileSync(reportPath, JSON.stringify(report));
  server = await startTrayServer({ userDir, machineDir, trayStateDir, token: 'test-token-123' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('notices show what was blocked, why, and what to use instead', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('li.notice');
  const items = page.locator('li.notice');
  assert.equal(await items.count(), 2);
  // newest first: the cursor warning was recorded after the claude-code block
  assert.equal(await items.nth(0).getAttribute('data-action'), 'warn');
  // the display name comes from the report when the tool is in it
  assert.equal(await page.locator('li.notice[data-action="block"] .tool').textContent(), 'Claude Code (CLI)');
  const blocked = page.locator('li.notice[data-action="block"]');
  assert.match(await blocked.locator('.badge').textContent() ?? '', /Blocked/);
  assert.equal(await blocked.locator('.message').textContent(), 'claude-code is not approved at Example Corp.');
  assert.equal(await blocked.locator('.alt').textContent(), 'Use instead: Qoder');
  assert.match(await page.locator('li.notice[data-action="warn"] .grace').textContent() ?? '', /then blocked/);
  if (process.env.WARDEN_SCREENSHOT) await page.screenshot({ path: process.env.WARDEN_SCREENSHOT, fullPage: true });
  await page.close();
});

test('the report table lists every finding with its decision', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}&view=checks`);
  await page.waitForSelector('#report tbody tr');
  const rows = await page.locator('#report tbody tr').allTextContents();
  assert.equal(rows.length, 2);
  assert.ok(rows[0]?.includes('Claude Code (CLI)') && rows[0].includes('Blocked'), rows[0]);
  assert.ok(rows[1]?.includes('Aider') && rows[1].includes('Allowed'), rows[1]);
  await page.close();
});

test("dismissing a notice persists in the employee's own file; the agent's notice file is never written", async () => {
  const agentFile = readFileSync(noticesPath, 'utf8');
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.click('li.notice[data-action="block"] button.dismiss');
  await page.waitForSelector('li.notice[data-action="block"]:not(.unread)');
  assert.equal(readFileSync(noticesPath, 'utf8'), agentFile);
  const id = readNotices(noticesPath).find((n) => n.tool === 'claude-code')!.id;
  assert.deepEqual(JSON.parse(readFileSync(readStatePath, 'utf8')), { dismissed: [`${id}|block`] });
  await page.reload();
  await page.waitForSelector('li.notice[data-action="block"]:not(.unread)');
  assert.equal(await page.locator('li.notice[data-action="warn"].unread').count(), 1);
  await page.close();
  // The agent escalating the same notice (block → quarantine) shows it afresh.
  recordNotice(noticesPath, decision('claude-code', 'quarantine', 'Qoder'), 'rev-2', new Date('2026-11-24T12:00:00Z'));
  const res = await fetch(`${server.base}api/view`, { headers: { 'x-warden-tray-token': 'test-token-123' } });
  const { notices } = (await res.json()) as { notices: { tool: string; read: boolean }[] };
  assert.equal(notices.find((n) => n.tool === 'claude-code')?.read, false);
});

test('the API refuses requests without the session token', async () => {
  const base = server.base;
  const none = await fetch(`${base}api/view`);
  assert.equal(none.status, 401);
  const wrong = await fetch(`${base}api/view`, { headers: { 'x-warden-tray-token': 'nope' } });
  assert.equal(wrong.status, 401);
  const ok = await fetch(`${base}api/view`, { headers: { 'x-warden-tray-token': 'test-token-123' } });
  assert.equal(ok.status, 200);
  assert.ok(existsSync(noticesPath));
});

test('a page with a broken report file shows "no report" rather than failing', async () => {
  writeFileSync(reportPath, '{"findings": ');
  const page = await browser.newPage();
  await page.goto(`${server.url}&view=checks`);
  await page.waitForSelector('#report-empty:not([hidden])');
  assert.equal(await page.locator('#error').isHidden(), true);
  await page.close();
});

test('when the agent cannot reach the server, the page says so (and nothing when it can)', async () => {
  const status = (state: string) => ({ schema: 'warden.agent-sync-status/v1', state, message: state === 'ok' ? 'in sync' : 'cannot reach https://warden.example.com', since: '2026-11-24T09:00:00Z', bundle_revision: '3.0', bundle_seq: 3, bundle_key: null });
  writeFileSync(join(machineDir, 'sync-status.json'), JSON.stringify(status('unreachable')));
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#sync:not([hidden])');
  assert.match((await page.locator('#sync').textContent()) ?? '', /has not reached your company's server since .*cannot reach https:\/\/warden\.example\.com.*exception requests are sent when it is back/);
  writeFileSync(join(machineDir, 'sync-status.json'), JSON.stringify(status('ok')));
  await page.reload();
  await page.waitForSelector('li.notice');
  assert.equal(await page.locator('#sync').isHidden(), true);
  await page.close();
});

test('notice detail: a quarantine says where the files went and that IT can restore them; a warning can be silenced on the desktop, a block cannot', async () => {
  const at = '2026-11-24T13:00:00.000Z';
  writeFileSync(join(machineDir, 'notices.json'), JSON.stringify({
    notices: [{
      id: 'gemini-cli:2026-11-24', tool: 'gemini-cli', day: '2026-11-24', action: 'quarantine', message: 'Gemini CLI is not approved.', alternative: 'Qoder', grace_until: null, rule: 'no-gemini',
      bundle_revision: 'rev-2', first_seen: at, last_seen: at, count: 1, read: false, user: null, name: 'Gemini CLI',
      installs: [{ finding: 'gemini-cli:npm:-', channel: 'npm', version: '0.9.0', paths: ['/usr/lib/node_modules/@google/gemini-cli'], quarantine_id: 'q-20261124-0001', stopped: 2 }],
    }],
  }));
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Details about Gemini CLI' }).click();
  await page.locator('#view-notice').waitFor();
  const facts = async () => Object.fromEntries(await page.locator('#notice-facts dt').evaluateAll((dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]))) as Record<string, string>;
  let f = await facts();
  assert.equal(f['What happened to the files'], 'Moved to the quarantine vault on this computer (q-20261124-0001). Nothing was deleted: IT can restore them exactly as they were.');
  assert.equal(f.Where, '/usr/lib/node_modules/@google/gemini-cli');
  assert.equal(f.Version, '0.9.0');
  assert.equal(await page.locator('#silence').isHidden(), true, 'a quarantine always notifies');
  await page.screenshot({ path: join(import.meta.dirname, '..', '..', 'test-artifacts', 'tray', '08-notice-quarantined.png'), fullPage: true });
  // The cursor warning: silencing its desktop warnings is a toggle, kept in the employee's own file.
  await page.getByRole('button', { name: 'Back to notices' }).click();
  await page.locator('li.notice[data-action="warn"] button.details').click();
  f = await facts();
  assert.match(f['What happened to the files'] ?? '', /^Nothing yet\. It keeps working until .*, then it will be blocked\.$/);
  const silence = page.getByRole('button', { name: 'Silence desktop warnings about cursor' });
  await silence.click();
  await page.getByRole('button', { name: 'Show desktop warnings again about cursor' }).waitFor();
  assert.equal(await page.locator('#silence').getAttribute('aria-pressed'), 'true');
  assert.deepEqual(JSON.parse(readFileSync(join(trayStateDir, 'notifications.json'), 'utf8')).silenced, ['cursor']);
  await page.close();
});
