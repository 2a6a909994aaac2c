// The console's inventory reports come from an in-memory rollup kept up to date incrementally
// (server/src/store/inventory-rollup.ts). After every kind of change — full uploads, deltas, a
// revocation, a re-enrollment — it must equal the plain SQL it replaced, on both databases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SqlExecutor } from '../../server/src/store/sql-driver.ts';
import type { InventoryRow } from '../../server/src/store/types.ts';
import { seedConsoleFleet } from '../../bench/console-seed.ts';
import { STORE_KINDS, pgNote } from './helpers.ts';

/** The reports as SQL computed them before the rollup. */
async function reference(db: SqlExecutor): Promise<Record<string, unknown[]>> {
  const from = "FROM inventory_items i JOIN devices d ON d.id = i.device_id AND d.state = 'active'";
  const q = {
    tool: `SELECT i.tool_id AS tool_id, MAX(i.name) AS name, MAX(i.vendor) AS vendor, COUNT(DISTINCT i.device_id) AS devices, COUNT(*) AS installs ${from} GROUP BY i.tool_id ORDER BY devices DESC, tool_id`,
    version: `SELECT i.tool_id AS tool_id, MAX(i.name) AS name, i.version AS version, COUNT(DISTINCT i.device_id) AS devices, COUNT(*) AS installs ${from} GROUP BY i.tool_id, i.version ORDER BY tool_id, version`,
    vendor: `SELECT i.vendor AS vendor, COUNT(DISTINCT i.tool_id) AS tools, COUNT(DISTINCT i.device_id) AS devices, COUNT(*) AS installs ${from} GROUP BY i.vendor ORDER BY devices DESC, vendor`,
    vendor_country: `SELECT i.vendor_country AS vendor_country, COUNT(DISTINCT i.vendor) AS vendors, COUNT(DISTINCT i.tool_id) AS tools, COUNT(DISTINCT i.device_id) AS devices, COUNT(*) AS installs ${from} GROUP BY i.vendor_country ORDER BY devices DESC, vendor_country`,
  };
  const out: Record<string, unknown[]> = {};
  for (const [k, sql] of Object.entries(q)) out[k] = (await db.all<Record<string, unknown>>(sql)).map((r) => Object.fromEntries(Object.entries(r).map(([c, v]) => [c, typeof v === 'number' || typeof v === 'bigint' || /^(devices|installs|tools|vendors)$/.test(c) ? Number(v) : v])));
  return out;
}

const row = (tool: string, version: string, vendor = 'Vendor X', user = 'u'): InventoryRow => ({
  key: `${tool}:npm:${user}`, toolId: tool, name: tool.toUpperCase(), vendor, version, kind: 'npm',
  detail: { tool_id: tool, name: tool.toUpperCase(), vendor, vendor_country: 'DE', category: 'coding-agent', version, channel: 'npm', user },
});

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] inventory reports equal the SQL after uploads, deltas, a revocation and a re-enrollment${pgNote}`, async () => {
    const { store, cleanup } = await kind.open();
    try {
      await seedConsoleFleet(store.driver, 60, 6, 100_000);
      const check = async (what: string, full: boolean | null) => {
        const want = await reference(store.driver);
        assert.deepEqual(await store.inventoryReport('tool'), want.tool, `${what}: tool`);
        const r = (store as unknown as { rollup: { lastRefresh: { full: boolean } } }).rollup.lastRefresh;
        if (full !== null) assert.equal(r.full, full, `${what}: ${full ? 'rebuilt' : 'updated in place'}`);
        for (const by of ['version', 'vendor', 'vendor_country'] as const) assert.deepEqual(await store.inventoryReport(by), want[by], `${what}: ${by}`);
      };
      await check('seeded', true);
      await check('unchanged', false);
      assert.equal(await store.replaceInventory('dev000001', 2, [row('newtool', '1.0.0'), row('cursor', '9.9.9', 'Anysphere')], 200_000), 'ok');
      await check('a full upload', false);
      assert.equal(await store.applyInventoryDelta('dev000001', 2, 3, [row('newtool', '2.0.0'), row('other', '1.0', 'Vendor Y', 'v')], ['cursor:npm:u'], 300_000), 'ok');
      assert.equal(await store.replaceInventory('dev000002', 2, [], 300_000), 'ok');
      await check('a delta and an emptied device', false);
      assert.equal(await store.revokeDevice('dev000003', 400_000), true);
      await check('a revocation', true);
      // A revoked machine comes back with a one-time token an admin issued, keeping its old inventory rows.
      await store.createEnrollToken({ id: 'et-3', secretHash: 'h', createdBy: 'admin', createdAt: 500_000, expiresAt: 1_000_000, usedAt: null, usedByDevice: null, note: '' });
      const again = await store.enrollDevice({ newId: 'x', hardwareId: 'hw-3', hostname: 'host-00003.corp', platform: 'linux', agentVersion: '1', credentialId: 'cred-new-3', credentialHash: 'h', enrolledAt: 500_000 }, 'et-3');
      assert.ok('device' in again && again.device.id === 'dev000003', 'the same machine comes back as the same device');
      await check('a re-enrollment', null);
    } finally {
      await cleanup();
    }
  });
}
