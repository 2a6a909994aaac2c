// The console's API at fleet scale, without a browser: 10,000 devices and 100,000 inventory rows
// (bench/console-seed.ts) in SQLite or PostgreSQL, a real server over HTTP, and each console page's
// requests issued together as the page does (an admin API token instead of the session cookie).
// Prints each page's time (all its requests answered; median of 3 after a warm-up) beside the goal,
// and the server's RSS. bench/console.ts measures the same pages in Chromium, rendering included.
// Usage: npx tsx bench/console-api.ts [--devices 10000] [--rows 10] [--db postgres]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer } from '../server/src/app.ts';
import { openStore } from '../server/src/store/open.ts';
import type { PostgresDriver } from '../server/src/store/postgres-driver.ts';
import { createUser, issueApiToken } from '../server/src/routes/access.ts';
import { seedConsoleFleet } from './console-seed.ts';
import { loadLine, report } from './machine.ts';

const { values: v } = parseArgs({ options: { devices: { type: 'string', default: '10000' }, rows: { type: 'string', default: '10' }, db: { type: 'string', default: 'sqlite' } } });
const DEVICES = Number(v.devices);
const PER_DEVICE = Number(v.rows);
const pg = v.db === 'postgres';
const db = pg ? 'PostgreSQL' : 'SQLite';
const pgUrl = process.env.WARDEN_TEST_PG_URL ?? 'postgres://warden:warden@127.0.0.1:5432/warden_test';

const dir = mkdtempSync(join(tmpdir(), 'warden-console-api-'));
const schema = `bench_console_${process.pid}`;
const store = await openStore(pg ? { database: pgUrl, pgSchema: schema } : { dataDir: dir });
const now = Date.now();
const t0 = performance.now();
await seedConsoleFleet(store.driver, DEVICES, PER_DEVICE, now);
if (pg) await store.driver.exec('ANALYZE');
process.stdout.write(`seeded ${DEVICES.toLocaleString('en-US')} devices, ${(DEVICES * PER_DEVICE).toLocaleString('en-US')} inventory rows (${pg ? 'PostgreSQL' : 'SQLite'}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
const uid = await createUser(store, 'bench', 'admin', 'bench password 123', now);
const { token } = await issueApiToken(store, uid, 'bench', null, now);
const app = await buildServer({ store, complianceSampleMs: 0, exceptionSweepMs: 0 });
const url = await app.listen({ host: '127.0.0.1', port: 0 });

// Two groups for the inventory explorer's group filter: a device group by rule (a third of the fleet,
// evaluated over every device per request) and a user group of one login (an indexed column).
const newGroup = async (group: unknown): Promise<string> => {
  const r = await fetch(`${url}/api/v1/groups`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ group, why: 'bench' }) });
  if (r.status !== 201) throw new Error(`creating a group: HTTP ${r.status} ${await r.text()}`);
  return ((await r.json()) as { group: { id: string } }).group.id;
};
const linuxGroup = await newGroup({ kind: 'device', name: 'linux', rule: { platforms: ['linux'] } });
const bobGroup = await newGroup({ kind: 'user', name: 'bobs', members: { logins: ['bob'] } });
const soon = new Date(now + 14 * 86400_000).toISOString();
const mid = `dev${String(Math.floor(DEVICES / 2)).padStart(6, '0')}`;
// What each console page requests when it opens (console/src/pages/*.tsx).
const PAGES: [string, string[]][] = [
  ['overview', ['/api/v1/fleet/summary', '/api/v1/fleet/compliance-history?days=30', '/api/v1/reports/inventory-by-vendor', '/api/v1/reports/inventory-by-vendor-country', '/api/v1/reports/inventory-by-version', '/api/v1/fleet/devices?limit=25&offset=0', '/api/v1/fleet/devices?compliance=noncompliant&limit=25&offset=0']],
  ['exceptions', ['/api/v1/exceptions?state=pending&limit=500', `/api/v1/exceptions?state=approved&expires_before=${soon}&limit=500`, '/api/v1/exceptions?limit=200']],
  ['inventory', ['/api/v1/inventory?limit=50&offset=0']],
  ['inventory, filtered (tool=cursor, user=bob)', ['/api/v1/inventory?tool=cursor&user=bob&limit=50&offset=0']],
  ['inventory by device group (rule, 1/3 of the fleet)', [`/api/v1/inventory?group=${linuxGroup}&limit=50&offset=0`]],
  ['inventory by user group (login bob)', [`/api/v1/inventory?group=${bobGroup}&limit=50&offset=0`]],
  ['compliance summary', ['/api/v1/fleet/summary', '/api/v1/bans', '/api/v1/fleet/devices?compliance=noncompliant&limit=1000', '/api/v1/exceptions?state=approved&limit=1000']],
  ['device', [`/api/v1/devices/${mid}`, `/api/v1/events?device=${mid}&order=desc&limit=100`]],
  ['audit log', ['/api/v1/audit?limit=100']],
];
const slow: Record<string, number> = {};
const get = async (path: string): Promise<void> => {
  const t = performance.now();
  const r = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
  const ms = performance.now() - t;
  slow[path] = Math.max(slow[path] ?? 0, ms);
};
try {
  const times = new Map<string, number[]>();
  for (const round of [0, 1, 2, 3]) {
    for (const [name, paths] of PAGES) {
      const t = performance.now();
      await Promise.all(paths.map(get));
      if (round > 0) times.set(name, [...(times.get(name) ?? []), performance.now() - t]);
    }
  }
  process.stdout.write(`console page (its API requests, together; ${pg ? 'PostgreSQL' : 'SQLite'})   median ms   goal\n`);
  for (const [name] of PAGES) {
    const t = (times.get(name) ?? []).sort((a, b) => a - b)[1] ?? NaN;
    process.stdout.write(`  ${name.padEnd(52)} ${t.toFixed(0).padStart(6)}   < 1000 ${t < 1000 ? 'ok' : 'OVER'}\n`);
    report({ name: `console ${name} (${db}, ${(DEVICES / 1000).toFixed(0)}k devices / ${((DEVICES * PER_DEVICE) / 1000).toFixed(0)}k rows)`, value: Math.round(t), unit: 'ms', goal: { op: '<=', value: 1000 }, how: 'its API requests together over HTTP, median of 3 after a warm-up' });
  }
  // The first load after the fleet's inventory changed pays the inventory reports' scan (cached until the next change).
  // a real upload: the device sends its inventory again (the repository's full-upload path)
  const dev = await store.getDevice(mid);
  await store.replaceInventory(mid, (dev?.inventorySeq ?? 0) + 1, await store.getInventory(mid), Date.now());
  const tc = performance.now();
  await Promise.all(PAGES[0]![1].map(get));
  const cold = performance.now() - tc;
  process.stdout.write(`  overview, first load after an inventory change        ${cold.toFixed(0).padStart(6)}   < 1000 ${cold < 1000 ? 'ok' : 'OVER'}\n`);
  report({ name: `console overview after an inventory change (${db})`, value: Math.round(cold), unit: 'ms', goal: { op: '<=', value: 1000 }, how: 'one load right after a device uploaded its inventory (the rollup re-reads that device)' });
  const worst = Object.entries(slow).sort((a, b) => b[1] - a[1]).slice(0, 3);
  process.stdout.write(`slowest requests (worst of 4): ${worst.map(([p, ms]) => `${p.split('?')[0]} ${ms.toFixed(0)} ms`).join(', ')}\n`);
  const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
  process.stdout.write(`server RSS: ${rssMb} MB (this process: server + seeding, no compiler)\n`);
  report({ name: `server RSS after the console pages (${db}, ${(DEVICES / 1000).toFixed(0)}k devices)`, value: rssMb, unit: 'MB', goal: { op: '<=', value: 300 }, how: 'bench process = server + the seeding (tsx loader included)' });
  process.stdout.write(`${loadLine()}\n`);
} finally {
  await app.close();
  if (pg) await (store.driver as PostgresDriver).dropSchema?.();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
