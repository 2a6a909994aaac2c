// The catalog can arrive in the policy bundle's data; a valid one drives detection (a tool the
// shipped catalog does not know is found), an invalid one is refused in favour of the shipped one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogFromBundleData } from '../../agent/src/catalog/from-bundle.ts';
import { loadCatalog } from '../../agent/src/catalog/load.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';

test('a catalog in bundle data adds a new tool without an agent release; a broken one falls back', async () => {
  const shipped = loadCatalog();
  const updated = structuredClone(shipped);
  updated.catalog_version = '2027-01-01.1';
  updated.tools.push({
    id: 'newcode-cli', name: 'NewCode CLI', vendor: 'NewCode Ltd', vendor_country: 'GB', vendor_notes: null, category: 'agentic-cli', kind: 'tool', confidence: 'medium',
    binaries: ['newcode'], process: { names: [], argv: ['/node_modules/@newcode/cli/'] },
    signatures: { linux: [{ detector: 'npm_package', kind: 'npm_package', name: '@newcode/cli', channel: 'npm', strong: true }], darwin: [], win32: [] },
  });
  const choice = catalogFromBundleData({ bans: [], catalog: updated });
  assert.equal(choice.source, 'bundle');
  const root = mkdtempSync(join(tmpdir(), 'warden-bcat-'));
  try {
    mkdirSync(join(root, 'usr/lib/node_modules/@newcode/cli'), { recursive: true });
    writeFileSync(join(root, 'usr/lib/node_modules/@newcode/cli/package.json'), JSON.stringify({ name: '@newcode/cli', version: '0.3.0' }));
    const withShipped = await scanInventory({ root, os: 'linux', processes: false, catalog: shipped });
    assert.equal(withShipped.findings.length, 0);
    const inv = await scanInventory({ root, os: 'linux', processes: false, catalog: choice.catalog });
    assert.equal(inv.catalog_version, '2027-01-01.1');
    assert.deepEqual(inv.findings.map((f) => [f.tool_id, f.version, f.vendor_country]), [['newcode-cli', '0.3.0', 'GB']]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const broken = structuredClone(updated) as unknown as { tools: { signatures: { linux: { detector: string }[] } }[] };
  broken.tools.at(-1)!.signatures.linux[0]!.detector = 'exec';
  const fb = catalogFromBundleData({ catalog: broken });
  assert.equal(fb.source, 'shipped');
  assert.match(fb.problem ?? '', /invalid bundle data\.catalog/);
  assert.equal(fb.catalog.catalog_version, shipped.catalog_version);
  assert.equal(catalogFromBundleData({ bans: [] }).source, 'shipped');
});
