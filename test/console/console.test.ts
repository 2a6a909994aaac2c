// The admin console in Debian's Chromium (playwright-core) against a real server holding real
// enrolled agents (test/console/fleet.ts): sign in, read the overview, add a ban and check its impact
// preview against the database, publish it and watch the rollout counter reach every agent, approve
// an exception an agent requested, download a CSV and check its rows; an auditor sees everything and
// can change nothing (no buttons, and the API refuses). Screenshots of each page go to
// test-artifacts/console/ (gitignored) for review.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildConsole } from '../../scripts/build-console.js';
import { PASSWORD, startConsoleFleet, type ConsoleFleet } from './fleet.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PG_URL = process.env.WARDEN_TEST_PG_URL;
const SHOTS = join('test-artifacts', 'console');
let fleet: ConsoleFleet;
let browser: Browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await buildConsole();
  fleet = await startConsoleFleet(['linux', 'darwin', 'win32']);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await fleet?.close();
});

/** A fresh browser profile signed in as `user`; fails the test on any console error or CSP report. */
async function signedIn(user: string, viewport = { width: 1280, height: 800 }, base = fleet.url): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }> {
  const ctx = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    // The console asks who is signed in on load; before sign-in that answer is a 401 by design.
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${base}/console/`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  return { ctx, page, problems };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

test('sign-in: HttpOnly SameSite=Strict session cookie, strict CSP, no token in the page or URL; wrong password refused', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const res = await page.goto(`${fleet.url}/console/`);
  const csp = res?.headers()['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  await shot(page, '00-sign-in');
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.getByRole('alert').textContent() ?? '', /unknown user or wrong password/);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  const cookies = await ctx.cookies();
  assert.equal(cookies.length, 1, JSON.stringify(cookies));
  const c = cookies[0]!;
  assert.equal(c.name, 'warden-session');
  assert.equal(c.httpOnly, true);
  assert.equal(c.sameSite, 'Strict');
  assert.equal(c.secure, false, 'plain http on loopback: Secure would drop the cookie');
  assert.equal(await page.evaluate('document.cookie'), '', 'scripts cannot read the session');
  assert.ok(!page.url().includes(c.value) && !(await page.content()).includes(c.value), 'the token is neither in the URL nor in the page');

  // A state change with the cookie but without the CSRF header, or from another origin, is refused.
  const noCsrf = await page.evaluate(async () => {
    const r = await fetch('/api/v1/exceptions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    return { status: r.status, body: (await r.json()) as { error: string } };
  });
  assert.deepEqual([noCsrf.status, noCsrf.body.error], [403, 'csrf']);
  const cookie = `${c.name}=${c.value}`;
  const forged = await fetch(`${fleet.url}/api/v1/auth/session`, { headers: { cookie } }).then((r) => r.json() as Promise<{ csrf_token: string }>);
  const crossSite = await fetch(`${fleet.url}/api/v1/exceptions`, { method: 'POST', headers: { cookie, 'x-warden-csrf': forged.csrf_token, origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{}' });
  assert.equal(crossSite.status, 403);
  assert.match(((await crossSite.json()) as { message: string }).message, /Origin http:\/\/evil\.example is not this server/);

  // Sign out revokes the session on the server, not just in the browser.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.equal((await fetch(`${fleet.url}/api/v1/auth/session`, { headers: { cookie } })).status, 401);
  await ctx.close();
});

test('overview: the fleet of real agents with versions, bundles, compliance and tool charts', async () => {
  const { ctx, page, problems } = await signedIn('ada');
  const devices = await fleet.store.countDevices();
  assert.equal(devices, 3);
  assert.equal(await page.locator('[data-kpi="active"]').textContent(), '3');
  await page.locator('#devices tbody tr').nth(2).waitFor();
  assert.equal(await page.locator('#devices tbody tr').count(), 3);
  const served = fleet.dist.bundles.current()?.revision;
  assert.equal(await page.locator('[data-kpi="bundle"]').textContent(), served);
  for (const id of ['chart-compliance', 'chart-vendor', 'chart-country', 'chart-version']) assert.equal(await page.locator(`#${id} canvas`).count(), 1, id);
  await shot(page, '01-overview');
  await page.setViewportSize({ width: 420, height: 900 });
  await shot(page, '01-overview-narrow');
  assert.deepEqual(problems, []);
  await ctx.close();
});

/** One SQL value from the test's own database (the numbers the console shows are checked against it). */
async function sqlNumber(sql: string, params: (string | number)[] = []): Promise<number> {
  const r = await fleet.store.driver.get<{ n: number | string }>(sql, params);
  return Number(r?.n ?? NaN);
}

test('ban list: add a rule from the catalog, impact preview = the database, publish with a why, rollout reaches every agent', async () => {
  const { ctx, page, problems } = await signedIn('ada');
  await page.getByRole('link', { name: 'Ban list' }).click();
  await page.getByRole('heading', { name: 'Ban list' }).waitFor();
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByLabel('Rule id').fill('ban-cursor');
  await page.getByLabel('Search the catalog').fill('cursor');
  await page.getByRole('group', { name: 'Catalog matches' }).getByLabel(/\(cursor ·/).check();
  await page.getByLabel('Action').selectOption('quarantine');
  await page.getByLabel('Approved alternative').fill('Qoder');
  await page.getByRole('button', { name: 'Save to draft' }).click();
  await page.locator('#impact-moves').waitFor();

  // What the preview says moves to quarantine, against the inventory the agents uploaded.
  const want = {
    devices: await sqlNumber("SELECT COUNT(DISTINCT device_id) AS n FROM inventory_items WHERE tool_id = 'cursor'"),
    users: await sqlNumber("SELECT COUNT(DISTINCT user_name) AS n FROM inventory_items WHERE tool_id = 'cursor' AND user_name <> ''"),
    findings: await sqlNumber("SELECT COUNT(*) AS n FROM inventory_items WHERE tool_id = 'cursor'"),
  };
  assert.ok(want.devices >= 2 && want.users >= 1, `the demo roots hold Cursor: ${JSON.stringify(want)}`);
  const shown = async (col: string) => Number(await page.locator(`[data-move="quarantine"][data-col="${col}"]`).textContent());
  assert.deepEqual({ devices: await shown('devices'), users: await shown('users'), findings: await shown('findings') }, want);
  assert.equal(await page.locator('#impact-changes tbody tr').count(), want.findings, 'each change is listed');
  assert.match(await page.locator('#diff').textContent() ?? '', /added\s*ban-cursor/);
  await shot(page, '02-bans-draft-impact');

  const before = fleet.dist.bundles.current()?.revision;
  await page.getByLabel(/^Why/).fill('SEC-42: Cursor is not approved; use Qoder');
  await page.getByRole('button', { name: 'Publish' }).click();
  // The counter reaches every agent without a reload: push → agent verifies and applies → status.
  await page.locator('[data-rollout="done"]').waitFor({ timeout: 60_000 });
  const served = fleet.dist.bundles.current()?.revision;
  assert.notEqual(served, before);
  assert.equal(await page.locator('[data-rollout="applied"]').textContent(), '3');
  assert.equal(await page.locator('[data-rollout="active"]').textContent(), '3');
  assert.equal(await sqlNumber('SELECT COUNT(*) AS n FROM devices WHERE bundle_revision = ?', [served ?? '']), 3, 'the database agrees');
  assert.equal(await page.locator('[data-ban-revision]').textContent(), served);
  await page.locator('#history tbody tr', { hasText: 'SEC-42' }).first().waitFor();
  await shot(page, '03-bans-published-rollout');

  // The agents quarantined Cursor and report their vaults (metadata): the device page lists the entry.
  const reported = await Promise.all(fleet.agents.map(async (a) => ({ id: a.deviceId ?? '', vault: ((await fleet.store.getDevice(a.deviceId ?? ''))?.status as { vault?: { id: string; tool: string }[] } | null)?.vault ?? [] })));
  const holder = reported.find((r) => r.vault.some((v) => v.tool === 'cursor'));
  const entry = holder?.vault.find((v) => v.tool === 'cursor');
  assert.ok(holder && entry, `an agent reported Cursor in its vault: ${JSON.stringify(reported)}`);
  await page.goto(`${fleet.url}/console/devices/${holder.id}`);
  await page.locator('#device-vault tbody tr', { hasText: entry.id }).waitFor();
  assert.match(await page.locator('#device-decisions').textContent() ?? '', /quarantine/);
  await page.locator('#device-events tbody tr', { hasText: 'cursor' }).first().waitFor();
  await shot(page, '04-device');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('exceptions: a request an agent sent is approved with an expiry; the database and the audit log say so', async () => {
  const agent = fleet.agents[1]!;
  const sent = await fetch(`${fleet.url}/api/v1/agent/exceptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.client.credential}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tool: 'cursor', reason: 'I maintain the Cursor integration of our SDK', local_user: 'bob', duration_days: 7 }),
  });
  assert.equal(sent.status, 201, await sent.clone().text());
  const req = (await sent.json()) as { id: string };
  const { ctx, page, problems } = await signedIn('ada');
  await page.getByRole('link', { name: 'Exceptions' }).click();
  const row = page.locator('#pending tbody tr', { hasText: 'I maintain the Cursor integration' });
  await row.waitFor();
  // The requester is the device the credential proves; 'bob' is only what the device says.
  assert.match(await row.textContent() ?? '', new RegExp(`device:${agent.deviceId}.*bob`));
  await shot(page, '05-exceptions-pending');
  // How long the employee asked for (from their tray) is shown and is the expiry the form proposes.
  assert.match(await row.textContent() ?? '', /7 days/);
  await row.getByRole('button', { name: /^Approve/ }).click();
  const expires = new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 10);
  assert.equal(await row.getByLabel(/^Expires/).inputValue(), expires);
  await row.getByLabel(/^Expires/).fill(expires);
  await row.getByLabel('Note').fill('until the SDK release');
  await row.getByRole('button', { name: 'Approve', exact: true }).click();
  await page.locator('#pending', { hasText: 'No request waits.' }).waitFor();
  await page.locator('#expiring tbody tr', { hasText: 'cursor' }).waitFor();
  const rec = await fleet.store.getException(req.id);
  assert.equal(rec?.state, 'approved');
  assert.equal(rec?.decidedBy, 'user:ada');
  assert.equal(new Date(rec?.expiresAt ?? 0).toISOString(), `${expires}T23:59:59.000Z`);
  const audit = await fleet.store.listAudit({ action: 'exception.approve' });
  assert.equal(audit[0]?.target, `exception:${req.id}`);
  await shot(page, '06-exceptions-approved');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('inventory explorer: the filtered view downloads as CSV with exactly the database rows', async () => {
  const { ctx, page, problems } = await signedIn('ada');
  await page.getByRole('link', { name: 'Inventory' }).click();
  await page.getByLabel('Tool id').fill('claude-code');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.locator('#inventory tbody tr', { hasText: 'claude-code' }).first().waitFor();
  await shot(page, '07-inventory');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.downloads a[data-format="csv"]').click()]);
  assert.match(download.suggestedFilename(), /^warden-inventory-\d{4}-\d{2}-\d{2}\.csv$/);
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync((await download.path()) as string, 'utf8').trimEnd().split('\r\n');
  const header = lines[0]!.split(',');
  assert.deepEqual(header.slice(0, 4), ['device_id', 'hostname', 'tool', 'name']);
  const rows = lines.slice(1).map((l) => l.split(','));
  const db = await fleet.store.driver.all<{ device_id: string; item_key: string; version: string }>("SELECT device_id, item_key, version FROM inventory_items WHERE tool_id = 'claude-code' ORDER BY device_id, item_key");
  assert.ok(db.length >= 3, 'every layout has Claude Code');
  const at = (name: string) => header.indexOf(name);
  assert.deepEqual(
    rows.map((r) => [r[at('device_id')], r[at('key')], r[at('version')]]).sort(),
    db.map((r) => [r.device_id, r.item_key, r.version]).sort(),
  );
  assert.ok(rows.every((r) => r[at('tool')] === 'claude-code'));
  // The export is audited.
  assert.equal((await fleet.store.listAudit({ action: 'export.read' }))[0]?.target, 'export:inventory');
  for (const [path, name] of [['/console/reports', '08-reports'], ['/console/reports/compliance-summary', '09-compliance-summary'], ['/console/audit', '10-audit'], ['/console/users', '11-users']] as const) {
    await page.goto(`${fleet.url}${path}`);
    await page.locator('main h1').waitFor();
    await page.locator('main table').first().waitFor();
    await shot(page, name);
  }
  assert.match(await page.locator('body').textContent() ?? '', /audrey/);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('groups: a device group by platform picks exactly the darwin agent (preview, then saved with a why); SCIM-provisioned people and groups are listed', async () => {
  // The identity provider provisions alice into contractors (plain SCIM with the scim role's token).
  const t = await fetch(`${fleet.url}/api/v1/scim/token`, { method: 'POST', headers: { authorization: `Bearer ${fleet.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(t.status, 201, await t.clone().text());
  const scimToken = ((await t.json()) as { token: string }).token;
  const scim = async (path: string, body: unknown) => {
    const r = await fetch(`${fleet.url}/scim/v2${path}`, { method: 'POST', headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 201, await r.clone().text());
    return (await r.json()) as { id: string };
  };
  const alice = await scim('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice@corp.example' });
  await scim('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'contractors', members: [{ value: alice.id }] });

  const { ctx, page, problems } = await signedIn('ada');
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Groups' }).click();
  await page.getByRole('heading', { name: 'Groups', exact: true }).waitFor();
  await page.locator('#directory tbody tr', { hasText: 'alice@corp.example' }).waitFor();
  assert.match(await page.locator('#directory tbody tr', { hasText: 'alice@corp.example' }).textContent() ?? '', /alice.*contractors/);
  assert.match(await page.locator('#groups tbody tr', { hasText: 'contractors' }).textContent() ?? '', /identity provider \(SCIM\)/);
  await page.getByRole('button', { name: 'Members of contractors' }).click();
  await page.locator('#group-people tbody tr', { hasText: 'alice@corp.example' }).waitFor();

  const darwin = await fleet.store.driver.all<{ id: string }>("SELECT id FROM devices WHERE platform = 'darwin' AND state = 'active'");
  assert.equal(darwin.length, 1, 'one Mac in the fleet');
  await page.getByLabel('Group name').fill('macs');
  await page.getByRole('group', { name: 'Platforms' }).getByLabel('darwin').check();
  await page.getByRole('button', { name: 'Preview devices' }).click();
  await page.locator('#group-preview tbody tr').first().waitFor();
  assert.equal(await page.locator('#group-preview tbody tr').count(), 1);
  assert.match(await page.locator('#group-preview tbody tr').textContent() ?? '', /darwin/);
  await page.getByLabel(/^Why/).fill('Mac fleet gets its own rules');
  await page.getByRole('button', { name: 'Create group' }).click();
  await page.getByRole('button', { name: 'Members of macs' }).click();
  await page.locator('#group-devices tbody tr').first().waitFor();
  const links = await page.locator('#group-devices tbody tr a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, [`/console/devices/${darwin[0]!.id}`], 'exactly the darwin agent');
  assert.match(await page.locator('#group-devices tbody tr').textContent() ?? '', /rule/);
  const v = await fleet.store.driver.get<{ why: string; by_actor: string }>("SELECT v.why, v.by_actor FROM group_versions v JOIN fleet_groups g ON g.id = v.group_id WHERE g.name = 'macs'");
  assert.deepEqual([v?.why, v?.by_actor], ['Mac fleet gets its own rules', 'user:ada']);
  await shot(page, '13-groups');
  assert.deepEqual(problems, []);
  await ctx.close();

  // An auditor reads the groups and gets no form to change them.
  const aud = await signedIn('audrey');
  await aud.page.goto(`${fleet.url}/console/groups`);
  await aud.page.locator('#groups tbody tr', { hasText: 'macs' }).waitFor();
  assert.equal(await aud.page.getByRole('button', { name: 'Create group' }).count(), 0);
  assert.deepEqual(aud.problems, []);
  await aud.ctx.close();
});

/** The inventory rows (device id, item key) the database holds for a WHERE over inventory_items i JOIN devices d. */
async function dbInventory(where: string, params: string[] = []): Promise<string[][]> {
  const rows = await fleet.store.driver.all<{ device_id: string; item_key: string }>(`SELECT i.device_id, i.item_key FROM inventory_items i JOIN devices d ON d.id = i.device_id WHERE d.state = 'active' AND ${where}`, params);
  return rows.map((r) => [r.device_id, r.item_key]).sort();
}

test('inventory explorer by group: a user group (SCIM person + a login kept by hand) and a device group by rule, shown and exported = the database', async () => {
  const admin = { authorization: `Bearer ${fleet.adminToken}`, 'content-type': 'application/json' };
  // A user group kept by hand, its login spelled in another case than the agents report it.
  const made = await fetch(`${fleet.url}/api/v1/groups`, { method: 'POST', headers: admin, body: JSON.stringify({ group: { kind: 'user', name: 'reviewers', members: { logins: ['BOB'] } }, why: 'test: code reviewers' }) });
  assert.equal(made.status, 201, await made.clone().text());
  const bad = await fetch(`${fleet.url}/api/v1/inventory?group=no-such-group`, { headers: admin });
  assert.deepEqual([bad.status, ((await bad.json()) as { error: string }).error], [400, 'unknown_group']);

  const { ctx, page, problems } = await signedIn('ada');
  await page.getByRole('link', { name: 'Inventory' }).click();
  const pager = page.getByRole('navigation', { name: 'Inventory pages' });
  const showTotal = async (): Promise<number> => Number(/of (\d+)/.exec((await pager.textContent()) ?? '')?.[1] ?? NaN);
  const filterBy = async (group: string, want: number): Promise<void> => {
    await page.getByLabel('Group', { exact: true }).selectOption({ label: group });
    await page.getByRole('button', { name: 'Filter' }).click();
    await pager.getByText(new RegExp(`of ${want}$`)).waitFor();
  };

  // contractors (from the identity provider) holds alice@corp.example, whose login is alice.
  const alice = await dbInventory("LOWER(i.user_name) = 'alice'");
  assert.ok(alice.length >= 2, `the demo roots give alice installs: ${alice.length}`);
  await filterBy('contractors', alice.length);
  const users = await page.locator('#inventory tbody tr td:nth-child(7)').allTextContents();
  assert.equal(users.length, Math.min(alice.length, 50));
  assert.ok(users.every((u) => u === 'alice'), users.join());
  await shot(page, '14-inventory-user-group');

  const bob = await dbInventory("LOWER(i.user_name) = 'bob'");
  assert.ok(bob.length >= 1);
  await filterBy('reviewers', bob.length);
  assert.equal(await showTotal(), bob.length);

  // macs: the device group by rule (platform darwin) made in the groups test; its CSV is filtered too.
  const macs = await dbInventory("d.platform = 'darwin'");
  assert.ok(macs.length >= 3);
  await filterBy('macs', macs.length);
  assert.match(page.url(), /[?&]group=/, 'the filter is in the address (shareable, survives reload)');
  const { readFileSync } = await import('node:fs');
  const fetchDownload = async (format: string): Promise<string> => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`.downloads a[data-format="${format}"]`).click()]);
    return readFileSync((await download.path()) as string, 'utf8');
  };
  const json = JSON.parse(await fetchDownload('json')) as { rows: { device_id: string; key: string }[] };
  assert.deepEqual(json.rows.map((r) => [r.device_id, r.key]).sort(), macs);
  // The CSV holds the same rows: one line each, every one on the Mac (device_id is the first column).
  const mac = macs[0]![0]!;
  const lines = (await fetchDownload('csv')).trimEnd().split('\r\n').slice(1);
  assert.equal(lines.length, macs.length);
  assert.ok(lines.every((l) => l.startsWith(`${mac},`)), lines.join('\n'));
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('device page: events newest first, a page at a time; "Load older events" by keyboard reaches every event the database holds', async () => {
  // The device uploads 230 more events with its own credential (the agent's upload endpoint).
  const agent = fleet.agents[0]!;
  const base = Date.now() - 3600_000;
  const events = Array.from({ length: 230 }, (_, i) => ({
    id: crypto.randomUUID(), time: new Date(base + i * 1000).toISOString(), kind: 'decision', tool: 'claude-code', finding: '', action: 'observe',
    rule: 'observe-claude-code', reason: '', bundle_revision: '', result: 'ok', detail: `paging test ${i}`,
  }));
  const up = await fetch(`${fleet.url}/api/v1/agent/events`, { method: 'POST', headers: { authorization: `Bearer ${agent.client.credential}`, 'content-type': 'application/json' }, body: JSON.stringify({ batch_id: 'console-paging', events }) });
  assert.equal(up.status, 200, await up.clone().text());
  const stored = async (): Promise<string[]> =>
    (await fleet.store.driver.all<{ detail_json: string }>('SELECT detail_json FROM events WHERE device_id = ? ORDER BY seq DESC', [agent.deviceId ?? ''])).map((r) => (JSON.parse(r.detail_json) as { detail: string }).detail);
  const before = (await stored()).length;
  assert.ok(before > 230, `${before} events`);

  const { ctx, page, problems } = await signedIn('ada');
  await page.goto(`${fleet.url}/console/devices/${agent.deviceId ?? ''}`);
  const rows = page.locator('#device-events tbody tr');
  await rows.nth(99).waitFor();
  assert.equal(await rows.count(), 100, 'one page at first');
  const all = page.locator('#device-events-count', { hasText: 'all of them' });
  const more = page.getByRole('button', { name: /^Load 100 older events$/ });
  let pages = 1;
  while ((await all.count()) === 0) {
    const n = await rows.count();
    await more.focus();
    await page.keyboard.press('Enter');
    await rows.nth(n).or(all).first().waitFor();
    pages += 1;
  }
  assert.equal(await more.count(), 0, 'no button once every event is shown');
  assert.ok(pages >= 3, `${pages} pages`);
  // Every event the database held when the page opened, newest first, none twice or missing (an agent
  // may have sent more since: those are newer than the first page, so the list is the oldest part).
  const shown = await page.locator('#device-events tbody tr td:nth-child(6)').allTextContents();
  const now = await stored();
  assert.ok(shown.length >= before, `${shown.length} shown, ${before} stored`);
  assert.deepEqual(shown, now.slice(now.length - shown.length));
  await shot(page, '15-device-events-paged');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('roles: an auditor sees everything and can change nothing; a policy editor cannot manage users', async () => {
  const { ctx, page, problems } = await signedIn('audrey');
  const nav = page.getByRole('navigation', { name: 'Console' });
  assert.equal(await nav.getByRole('link', { name: 'Audit log' }).count(), 1);
  assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0);
  await nav.getByRole('link', { name: 'Ban list' }).click();
  await page.locator('#rules tbody tr', { hasText: 'ban-cursor' }).waitFor();
  await page.locator('#rollout').waitFor();
  for (const name of ['Add rule', 'Publish', 'Edit rule ban-cursor', 'Remove rule ban-cursor']) assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name} button`);
  await shot(page, '12-bans-auditor');
  assert.deepEqual(problems, []);
  // The API refuses too, even with a valid session and CSRF token (a role refusal, not a CSRF one).
  const refused = await page.evaluate(async () => {
    const s = (await (await fetch('/api/v1/auth/session')).json()) as { csrf_token: string };
    const bans = (await (await fetch('/api/v1/bans')).json()) as { list: unknown };
    const r = await fetch('/api/v1/bans', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-warden-csrf': s.csrf_token }, body: JSON.stringify({ list: bans.list, why: 'auditor tries to publish' }) });
    return { status: r.status, body: (await r.json()) as { error: string } };
  });
  assert.deepEqual([refused.status, refused.body.error], [403, 'forbidden']);
  problems.length = 0; // the browser logs that deliberate 403
  await nav.getByRole('link', { name: 'Exceptions' }).click();
  await page.locator('#all-exceptions tbody tr', { hasText: 'cursor' }).first().waitFor();
  assert.equal(await page.getByRole('button', { name: /^(Approve|Deny)/ }).count(), 0);
  assert.deepEqual(problems, []);
  await ctx.close();

  const editor = await signedIn('eddie');
  const enav = editor.page.getByRole('navigation', { name: 'Console' });
  assert.equal(await enav.getByRole('link', { name: 'Users' }).count(), 0);
  assert.equal(await enav.getByRole('link', { name: 'Audit log' }).count(), 0);
  assert.equal(await editor.page.evaluate(async () => (await fetch('/api/v1/users')).status), 403);
  await editor.ctx.close();
});

test('integrations: an admin adds a webhook (its secret shown once), a signed test reaches a real receiver; an auditor sees the status, no buttons', async () => {
  const { Receiver } = await import('../server/receiver.ts');
  const rx = await new Receiver().start();
  try {
    const { ctx, page, problems } = await signedIn('ada');
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
    await page.getByLabel('Name').fill('soc');
    await page.getByLabel('URL').fill(`${rx.url}/hook`);
    await page.getByLabel('Why').fill('SOC feed (SEC-18)');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.locator('#webhook-secret').textContent()) ?? '';
    assert.match(secret, /^whsec_/);
    rx.secrets = [secret];
    await page.locator('#webhooks tbody tr', { hasText: 'soc' }).waitFor();
    await page.getByRole('button', { name: 'Send test to soc' }).click();
    await page.getByRole('status').filter({ hasText: 'soc: test delivered (HTTP 204' }).waitFor();
    await rx.waitFor((g) => g.some((x) => x.type === 'webhook.test'));
    assert.ok(rx.got.find((x) => x.type === 'webhook.test')!.valid, 'the test delivery is validly signed');
    await shot(page, '20-integrations');
    assert.deepEqual(problems, []);
    await ctx.close();

    const aud = await signedIn('audrey');
    await aud.page.goto(`${fleet.url}/console/integrations`);
    const row = aud.page.locator('#webhooks tbody tr', { hasText: 'soc' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /enforcement\.\*, agent\.health, audit\.\* \(json\)/);
    assert.ok(!((await aud.page.content()).includes(secret.slice(6))), 'the secret is never shown again');
    assert.equal(await aud.page.getByRole('button', { name: /Send test|Add webhook/ }).count(), 0);
    assert.deepEqual(aud.problems, []);
    await aud.ctx.close();
  } finally {
    await rx.close();
  }
});

// The same console over PostgreSQL, lean: one agent, the queries whose SQL differs by database (the
// group filter's bound list) and an export; the full walk-through above runs on SQLite.
test('PostgreSQL: sign in, overview, inventory filtered by a device group and a user group, CSV export = the database', { skip: PG_URL ? false : 'set WARDEN_TEST_PG_URL to run it' }, async () => {
  const pg = await startConsoleFleet(['linux'], { pgUrl: PG_URL ?? '' });
  try {
    const admin = { authorization: `Bearer ${pg.adminToken}`, 'content-type': 'application/json' };
    const group = async (g: unknown): Promise<string> => {
      const r = await fetch(`${pg.url}/api/v1/groups`, { method: 'POST', headers: admin, body: JSON.stringify({ group: g, why: 'test: PostgreSQL smoke' }) });
      assert.equal(r.status, 201, await r.clone().text());
      return ((await r.json()) as { group: { id: string } }).group.id;
    };
    await group({ kind: 'device', name: 'linux-boxes', rule: { platforms: ['linux'] } });
    const carol = await group({ kind: 'user', name: 'carols', members: { logins: ['Carol'] } });
    const count = async (where: string): Promise<number> => Number((await pg.store.driver.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM inventory_items i JOIN devices d ON d.id = i.device_id WHERE d.state = 'active' AND ${where}`))?.n);
    const carolRows = await count("LOWER(i.user_name) = 'carol'");
    assert.ok(carolRows >= 1);
    const api = (await (await fetch(`${pg.url}/api/v1/inventory?group=${carol}&limit=5`, { headers: admin })).json()) as { total: number; items: { user: string }[] };
    assert.equal(api.total, carolRows);
    assert.ok(api.items.every((x) => x.user === 'carol'));
    const macs = await group({ kind: 'device', name: 'macs', rule: { platforms: ['darwin'] } });
    assert.equal(((await (await fetch(`${pg.url}/api/v1/inventory?group=${macs}`, { headers: admin })).json()) as { total: number }).total, 0, 'a group the Linux agent is not in keeps nothing');

    const { ctx, page, problems } = await signedIn('ada', undefined, pg.url);
    assert.equal(await page.locator('[data-kpi="active"]').textContent(), '1');
    await page.getByRole('link', { name: 'Inventory' }).click();
    const all = await count('1 = 1');
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'linux-boxes' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('navigation', { name: 'Inventory pages' }).getByText(new RegExp(`of ${all}$`)).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.downloads a[data-format="csv"]').click()]);
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync((await download.path()) as string, 'utf8').trimEnd().split('\r\n').slice(1);
    const id = pg.agents[0]!.deviceId ?? '';
    assert.equal(lines.length, all);
    assert.ok(lines.every((l) => l.startsWith(`${id},`)));
    await shot(page, '16-postgres-inventory-group');
    assert.deepEqual(problems, []);
    await ctx.close();
  } finally {
    await pg.close();
  }
});
