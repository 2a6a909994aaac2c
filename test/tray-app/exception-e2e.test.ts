// End to end, in Debian's Chromium driven by playwright-core (fleet-fixture.ts): a real agent with the
// real signed policy blocks alice's Claude Code in a temp root; the notice shows the company's message,
// the approved alternative with its link and the company's branding; alice asks for an exception from
// the page; it goes through her inbox and the agent to the real server (requested_by = the proven
// device, device_reported_user = the account owning the inbox); IT denies one request through the
// API and the open page shows "denied: <why>" by itself — the agent's schedule is once a year and a
// denial changes no bundle, so only the server's push nudge explains it; IT approves the other, and
// the page shows "approved until …" and the agent's next cycle (started by the push) allows the tool.
// Every window is screenshotted to test-artifacts/tray/. Then accessibility:
// every control of every view is reached by Tab and has an accessible name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTrayFleet, SHOTS, MESSAGE, type TrayFleet } from './fleet-fixture.ts';

let f: TrayFleet;
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

before(async () => {
  f = await startTrayFleet();
});

after(async () => {
  await f?.close();
});

const claude = (decisions: { tool: string; action: string; rule: string }[]) => decisions.find((d) => d.tool === 'claude-code');

async function openTray(view?: string): Promise<Page> {
  const page = await f.context.newPage();
  await page.goto(`${f.tray.url}${view ? `&view=${view}` : ''}`);
  await page.waitForSelector('#state:not(:empty)');
  return page;
}

test('block → notice → exception request → server → admin approves → allowed next cycle', { timeout: 120_000 }, async () => {
  let cycle = await f.agent.trigger('e2e');
  assert.equal(cycle.error, null);
  assert.equal(claude(cycle.decisions)?.action, 'block', JSON.stringify(cycle.decisions));

  // The notice, in the company's words and colours.
  const page = await openTray();
  const notice = page.locator('li.notice[data-action="block"]');
  await notice.waitFor();
  assert.equal(await notice.locator('.tool').textContent(), 'Claude Code (CLI)');
  assert.equal(await notice.locator('.message').textContent(), MESSAGE);
  assert.equal(await notice.locator('.alt').textContent(), 'Use instead: Qoder');
  assert.equal(await page.locator('#state').getAttribute('data-state'), 'blocked');
  assert.match((await page.locator('#state').textContent()) ?? '', /Claude Code .* is blocked/);
  assert.equal(await page.locator('h1').textContent(), 'Example Corp · AI tools on this computer');
  assert.equal(await page.locator('#support').getAttribute('href'), 'https://help.example.com/ai-tools');
  assert.equal(await page.locator('#support').textContent(), 'Get help: IT service desk');
  assert.equal(await page.locator('#logo').getAttribute('alt'), 'Example Corp logo');
  assert.equal(await page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor"), 'rgb(11, 61, 46)');
  await shot(page, '01-notices');

  // The notice's detail: tool, version, path, rule, message, alternative + link, what happened to the files.
  await notice.getByRole('button', { name: /Details about/ }).click();
  await page.locator('#view-notice').waitFor();
  const facts = Object.fromEntries(
    await page.locator('#notice-facts dt').evaluateAll((dts) => dts.map((dt) => [dt.textContent, (dt.nextElementSibling as unknown as { innerText: string }).innerText])),
  ) as Record<string, string>;
  assert.equal(facts.Version, '2.0.22');
  assert.ok(facts.Where?.includes(join(f.home, '.local/share/claude/versions/2.0.22')), facts.Where);
  assert.equal(facts.Rule, 'no-claude-code');
  assert.equal(facts["Your company's message"], MESSAGE);
  assert.equal(facts['Approved alternative'], 'Qoder — Get Qoder');
  assert.equal(await page.getByRole('link', { name: 'Get Qoder' }).getAttribute('href'), 'https://qoder.example.com/get');
  assert.match(facts['What happened to the files'] ?? '', /^Left in place, not deleted\. (\d+ running cop(y was|ies were) stopped\. )?Starting it is blocked\.$/);
  assert.equal(await page.locator('#silence').isHidden(), true, 'a block cannot be silenced');
  await page.getByRole('button', { name: 'Copy details' }).click();
  await page.locator('#copy-status:has-text("copied")').waitFor();
  const copied = String(await page.evaluate('navigator.clipboard.readText()'));
  assert.match(copied, /^warden notice claude-code:alice:\d{4}-\d{2}-\d{2}\nAction: Blocked\nTool: Claude Code/);
  assert.ok(copied.includes(`Rule: no-claude-code`) && copied.includes(MESSAGE) && copied.includes('Computer: '), copied);
  await shot(page, '02-notice-detail');

  // The request form: a too-short justification is refused on the page, nothing is sent.
  await page.getByRole('button', { name: 'Request an exception for Claude Code (CLI)' }).click();
  await page.locator('#view-request').waitFor();
  await page.getByLabel('Why do you need it?').fill('need it');
  await page.getByRole('button', { name: 'Send request' }).click();
  assert.match((await page.locator('#request-status').textContent()) ?? '', /at least 10 characters/);
  assert.equal(await page.getByLabel('Why do you need it?').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Why do you need it?').fill('Customer project Falcon needs Claude Code for the migration sprint.');
  await page.getByLabel('For how long?').selectOption('30');
  await shot(page, '03-request-form');
  await page.getByRole('button', { name: 'Send request' }).click();
  const mine = page.locator('#requests li.request');
  await mine.first().waitFor();
  assert.equal(await mine.first().getAttribute('data-state'), 'waiting');
  assert.equal(await mine.first().locator('.status').textContent(), 'Waiting for the warden agent to pick it up');
  await shot(page, '04-request-waiting');

  // A second request (to be denied), straight through the page's API as the page sends it.
  const second = await fetch(`${f.tray.base}api/exceptions`, {
    method: 'POST',
    headers: { 'x-warden-tray-token': f.tray.token, 'content-type': 'application/json' },
    body: JSON.stringify({ tool: 'claude-code', reason: 'Also for the weekend hackathon, just one day.', duration_days: 1 }),
  });
  assert.equal(second.status, 200, await second.clone().text());

  // The agent's next check-in takes both from alice's inbox and forwards them; the server records the device.
  cycle = await f.agent.trigger('e2e');
  assert.equal(cycle.error, null);
  const listed = await f.api('GET', '/api/v1/exceptions?state=pending');
  const pending = listed.body.exceptions as { id: string; tool: string; reason: string; requested_by: string; device_reported_user: string; requested_days: number }[];
  assert.equal(pending.length, 2, listed.text);
  const falcon = pending.find((x) => x.reason.startsWith('Customer project Falcon'))!;
  const hack = pending.find((x) => x.reason.startsWith('Also for the weekend'))!;
  assert.equal(falcon.requested_by, `device:${f.agent.deviceId}`);
  assert.equal(falcon.device_reported_user, 'alice');
  assert.equal(falcon.requested_days, 30);
  assert.equal(hack.requested_days, 1);
  await page.reload();
  await page.locator('#requests li.request[data-state="pending"] >> nth=1').waitFor();
  assert.deepEqual(await mine.locator('.status').allTextContents(), ['Pending: IT has not decided yet', 'Pending: IT has not decided yet']);
  await shot(page, '05-request-pending');

  // IT denies the hackathon request. A denial changes no bundle (no bundle push) and the agent's
  // schedule is once a year: only the server's nudge over the push channel makes the agent check in
  // now, and the open page (which re-reads its files every few seconds) shows the denial by itself.
  const nudged = f.agent.waitFor((c) => c.trigger === 'push:nudge', 20_000);
  const denied = await f.api('POST', `/api/v1/exceptions/${hack.id}/deny`, { note: 'Use Qoder for the hackathon' });
  assert.equal(denied.status, 200, denied.text);
  const byNudge = await nudged;
  assert.equal(byNudge.error, null);
  assert.equal(byNudge.bundle?.changed, false, 'no new bundle: the nudge alone started this check-in');
  await page.locator('li.request[data-state="denied"]').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('li.request[data-state="denied"] .status').textContent(), 'Denied: Use Qoder for the hackathon');
  assert.equal(await page.locator('li.request[data-state="pending"] .status').textContent(), 'Pending: IT has not decided yet');
  assert.equal(f.server.dist.hub.nudged, 1);
  assert.ok(!f.agent.history.some((c) => c.trigger === 'schedule'), 'no scheduled cycle ran');
  await shot(page, '05b-request-denied');

  // IT approves the Falcon request for 30 days: the new signed bundle is pushed (and the device
  // nudged); the agent's next cycle carries the exception, the policy allows the tool, and the
  // decision reaches alice's tray.
  const until = new Date(Date.now() + 30 * 86400_000);
  const allowed = f.agent.waitFor((c) => c.error === null && claude(c.decisions)?.action === 'allow', 20_000);
  const approved = await f.api('POST', `/api/v1/exceptions/${falcon.id}/approve`, { expires_at: until.toISOString(), note: 'OK for Falcon' });
  assert.equal(approved.status, 200, approved.text);
  cycle = await allowed;
  assert.match(cycle.trigger, /^push:(bundle|nudge)$/);
  assert.equal(cycle.bundle?.changed, true);
  const now = claude(cycle.decisions);
  assert.equal(now?.rule, `x-${falcon.id}`);
  // Granted for alice's account on this device, not for every user of the machine.
  const granted = (await f.server.app.warden.banlist.snapshot()).list.exceptions.find((x) => x.id === `x-${falcon.id}`);
  assert.deepEqual([granted?.user, granted?.device], ['alice', f.agent.deviceId]);
  await page.locator('li.request[data-state="approved"]').waitFor({ timeout: 15_000 });
  const untilText = until.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric' });
  assert.equal(await page.locator('li.request[data-state="approved"] .status').textContent(), `Approved until ${untilText} — OK for Falcon`);
  assert.equal(await page.locator('li.request[data-state="denied"] .status').textContent(), 'Denied: Use Qoder for the hackathon');
  await page.locator('#state[data-state="compliant"]').waitFor({ timeout: 15_000 });
  await shot(page, '06-request-decided');

  // What alice's tray reads was written by the agent for her alone.
  const pub = JSON.parse(readFileSync(join(f.userDir, 'exceptions.json'), 'utf8')) as { requests: { state: string; server_id: string }[] };
  assert.deepEqual(pub.requests.map((r) => r.state).sort(), ['approved', 'denied']);

  // "What warden checks": this machine's inventory as reported, and what is never collected.
  await page.getByRole('button', { name: 'What warden checks' }).click();
  const row = page.locator('#report tbody tr', { hasText: 'Claude Code' });
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[0], 'Claude Code (CLI)');
  assert.equal(cells[1], '2.0.22');
  assert.equal(cells[4], 'Allowed by an exception');
  assert.ok(cells[3]?.includes(f.home), cells[3]);
  assert.ok((await page.locator('#never').textContent())?.includes('Command-line arguments of running programs'));
  await shot(page, '07-what-warden-checks');
  await page.close();
});

/** Tabs through the page; returns every element focused (with Chromium's accessible name), until focus comes back around. */
async function tabOrder(page: Page): Promise<{ tag: string; role: string; name: string; id: string }[]> {
  const cdp = await page.context().newCDPSession(page);
  const seen: { tag: string; role: string; name: string; id: string }[] = [];
  // Focus may start mid-page (a view focuses its heading): Tab on past the end and around again, until
  // an element comes back.
  let outside = 0;
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const mark = (await page.evaluate(`(() => {
      const a = document.activeElement;
      if (!a || a === document.body) return null;
      document.querySelectorAll('[data-a11y]').forEach((e) => e.removeAttribute('data-a11y'));
      a.setAttribute('data-a11y', '1');
      return { tag: a.tagName.toLowerCase(), id: a.id || a.textContent.trim().slice(0, 40) || '' };
    })()`)) as { tag: string; id: string } | null;
    if (!mark) {
      if (++outside > 3) break;
      continue;
    }
    if (seen.some((s) => s.id === mark.id && s.tag === mark.tag)) break;
    // The accessible name and role as Chromium computes them (aria-label, <label for>, contents).
    const { root } = (await cdp.send('DOM.getDocument', { depth: 0 })) as { root: { nodeId: number } };
    const { nodeId } = (await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '[data-a11y]' })) as { nodeId: number };
    const { nodes } = (await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false })) as { nodes: { name?: { value?: string }; role?: { value?: string } }[] };
    seen.push({ ...mark, role: String(nodes[0]?.role?.value ?? ''), name: String(nodes[0]?.name?.value ?? '') });
  }
  await cdp.detach();
  return seen;
}

async function checkView(page: Page, view: string): Promise<void> {
  const order = await tabOrder(page);
  // Every visible, enabled control on the page (hidden views excluded).
  const focusable = await page.evaluate(
    `[...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')].filter((e) => e.offsetParent !== null && !e.disabled).length`,
  );
  assert.equal(order.length, focusable, `${view}: every visible control is reached by Tab (${JSON.stringify(order)})`);
  for (const c of order) assert.ok(c.name.trim().length > 0, `${view}: ${c.tag}#${c.id} has an accessible name`);
}

test('accessibility: every control of every view is reachable by keyboard and labelled', { timeout: 60_000 }, async () => {
  const page = await openTray();
  await page.locator('li.notice').first().waitFor();
  await checkView(page, 'notices');
  // Open the detail with the keyboard alone.
  await page.locator('li.notice button.details').first().focus();
  await page.keyboard.press('Enter');
  await page.locator('#view-notice').waitFor();
  await checkView(page, 'notice');
  await page.locator('#open-request').focus();
  await page.keyboard.press('Enter');
  await page.locator('#view-request').waitFor();
  await checkView(page, 'request');
  for (const view of ['requests', 'checks']) {
    await page.getByRole('button', { name: view === 'requests' ? 'My exception requests' : 'What warden checks' }).press('Enter');
    await page.locator(`#view-${view}`).waitFor();
    await checkView(page, view);
  }
  await page.close();
});
