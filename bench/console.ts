// The admin console at fleet scale: 10,000 devices and 100,000 inventory rows (10 per device) in
// SQLite, a real server, and Debian's Chromium loading each main page until its data is on screen.
// Prints each page's load time beside the goal (under 1 s) and the server's RSS; then the impact
// preview of one new ban over the whole fleet (an action, not a page load; it evaluates every device).
// Usage: npx tsx bench/console.ts [devices=10000] [rowsPerDevice=10]   (BENCH_PREVIEW=1 also times the impact preview)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildServer } from '../server/src/app.ts';
import { openStore } from '../server/src/store/open.ts';
import type { SqlRepository } from '../server/src/store/sql-repository.ts';
import { createUser } from '../server/src/routes/access.ts';
import { WasmPolicyEvaluator } from '../server/src/policy/wasm-evaluator.ts';
import { compileFleetPolicy } from '../server/src/policy/fleet-policy.ts';
import { buildConsole } from '../scripts/build-console.js';
import { seedConsoleFleet } from './console-seed.ts';
import { loadLine, report } from './machine.ts';

const DEVICES = Number(process.argv[2] ?? 10_000);
const PER_DEVICE = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'warden-console-bench-'));
const store = (await openStore({ dataDir: dir })) as SqlRepository;
const db = store.driver;
const now = Date.now();
const t0 = performance.now();
await seedConsoleFleet(db, DEVICES, PER_DEVICE, now);
const seedS = (performance.now() - t0) / 1000;
process.stdout.write(`seeded ${DEVICES.toLocaleString('en-US')} devices, ${(DEVICES * PER_DEVICE).toLocaleString('en-US')} inventory rows in ${seedS.toFixed(1)} s\n`);

await createUser(store, 'bench', 'admin', 'bench password 123', now);
await buildConsole();
const app = await buildServer({ store, evaluator: new WasmPolicyEvaluator(() => compileFleetPolicy()), complianceSampleMs: 0, exceptionSweepMs: 0 });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${url}/console/`);
  await page.getByLabel('Username').fill('bench');
  await page.getByLabel('Password').fill('bench password 123');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#devices tbody tr').first().waitFor({ timeout: 60_000 });

  const pages: [string, string, string[]][] = [
    ['overview', '/console/', ['#devices tbody tr', '#banned-devices tbody tr', '#chart-compliance canvas', '#chart-version canvas', '[data-kpi="active"]']],
    ['ban list', '/console/bans', ['#rules', '#rollout', '#history']],
    ['exceptions', '/console/exceptions', ['#pending tbody tr', '#all-exceptions tbody tr']],
    ['inventory', '/console/inventory', ['#inventory tbody tr']],
    ['inventory, filtered (tool=cursor, user=bob)', '/console/inventory?tool=cursor&user=bob', ['#inventory tbody tr']],
    ['device', `/console/devices/dev${String(Math.floor(DEVICES / 2)).padStart(6, '0')}`, ['#device-inventory tbody tr', '#device-events']],
    ['reports', '/console/reports', ['#report-list']],
    ['compliance summary', '/console/reports/compliance-summary', ['#compliance-summary table']],
    ['audit log', '/console/audit', ['#audit']],
  ];
  // One warm-up round (JIT, SQLite page cache), then the median of three loads per page.
  for (const round of [0, 1, 2, 3]) {
    for (const p of pages) {
      const start = performance.now();
      await page.goto(`${url}${p[1]}`);
      for (const sel of p[2]) await page.locator(sel).first().waitFor({ timeout: 60_000 });
      const ms = performance.now() - start;
      if (round > 0) ((p as unknown as { times?: number[] }).times ??= []).push(ms);
    }
  }
  process.stdout.write('page (Chromium: navigation until its data is on screen)   median ms   goal\n');
  for (const p of pages) {
    const t = ((p as unknown as { times: number[] }).times).sort((a, b) => a - b)[1]!;
    process.stdout.write(`  ${p[0].padEnd(58)} ${t.toFixed(0).padStart(6)}   < 1000 ${t < 1000 ? 'ok' : 'OVER'}\n`);
    report({ name: `console page in Chromium: ${p[0]} (SQLite, ${(DEVICES / 1000).toFixed(0)}k devices)`, value: Math.round(t), unit: 'ms', goal: { op: '<=', value: 1000 }, how: 'navigation until its data is on screen, median of 3 after a warm-up' });
  }
  process.stdout.write(`${loadLine()}\n`);
  process.stdout.write(`server RSS after the page loads: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB (bench process: server + seeding)\n`);

  // The preview evaluates the policy on every device (bench/server-impact.ts measures it alone): opt in.
  if (process.env.BENCH_PREVIEW !== '1') throw new Error('skip-preview');
  const t1 = performance.now();
  const res = await page.evaluate(async () => {
    const s = (await (await fetch('/api/v1/auth/session')).json()) as { csrf_token: string };
    const bans = (await (await fetch('/api/v1/bans')).json()) as { list: { rules: unknown[] } };
    const list = { ...bans.list, revision: undefined, rules: [...bans.list.rules, { id: 'ban-cursor', action: 'block', match: { tools: ['cursor'] } }] };
    const r = await fetch('/api/v1/bans/diff', { method: 'POST', headers: { 'content-type': 'application/json', 'x-warden-csrf': s.csrf_token }, body: JSON.stringify({ list }) });
    const j = (await r.json()) as { impact: { devices_changed: number } | null; impact_error: string | null };
    return { status: r.status, changed: j.impact?.devices_changed ?? null, error: j.impact_error };
  });
  process.stdout.write(`impact preview of one new ban over ${DEVICES.toLocaleString('en-US')} devices: ${((performance.now() - t1) / 1000).toFixed(1)} s (HTTP ${res.status}, ${res.changed ?? res.error} device(s) change; includes compiling the policy once)\n`);
  process.stdout.write(`server RSS after the preview: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB\n`);
} catch (e) {
  if ((e as Error).message !== 'skip-preview') throw e;
  process.stdout.write('(impact preview not measured; BENCH_PREVIEW=1 adds it)\n');
} finally {
  await browser.close();
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
