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
async function signedIn(user: string, viewport = { width: 1280, height: 800 }): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }> {
  const ctx = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    // The console asks who is signed in on load; before sign-in that answer is a 401 by design.
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${fleet.url}/console/`);
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
