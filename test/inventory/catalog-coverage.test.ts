// Fixture trees generated FROM THE CATALOG: for every tool, every OS layout it lists and every
// signature there, a fake install is written into a temp root and the scan must report the tool
// at that path with the right version and channel. Reports coverage (tools × OS detected / listed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../agent/src/catalog/load.ts';
import { materialize, type Materialized } from '../../agent/src/inventory/materialize.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import type { LayoutOs } from '../../wire/src/catalog.ts';
import type { Inventory } from '../../wire/src/inventory.ts';

const catalog = loadCatalog();
const OSES: LayoutOs[] = ['linux', 'darwin', 'win32'];

function check(inv: Inventory, m: Materialized): string | null {
  const withPath = inv.findings.filter((f) => f.tool_id === m.tool && f.evidence.some((e) => e.path === m.path));
  if (!withPath.length) return 'not found';
  const strong = m.signature.strong;
  const f = withPath.find((x) => !strong || x.channel === m.channel);
  if (!f) return `channel ${withPath.map((x) => x.channel).join(',')} != ${m.channel}`;
  if (m.version) {
    const ev = f.evidence.find((e) => e.path === m.path)!;
    if (ev.version !== m.version) return `version ${ev.version} != ${m.version}`;
    if (f.version === null) return 'finding has no version';
  }
  if (f.user !== m.user && m.signature.strong) return `user ${f.user} != ${m.user}`;
  return null;
}

test('every catalog signature is detected with its version and channel (coverage ≥ 95 %)', async (t) => {
  let listed = 0;
  let detected = 0;
  let sigsListed = 0;
  let sigsFound = 0;
  let versioned = 0;
  const misses: string[] = [];
  for (const os of OSES) {
    const root = mkdtempSync(join(tmpdir(), `warden-cov-${os}-`));
    try {
      const made: Materialized[] = [];
      catalog.tools.forEach((tool, ti) => {
        tool.signatures[os].forEach((sig, si) => {
          const version = `${(ti % 9) + 1}.${si}.${ti}`;
          made.push(materialize(catalog, tool, sig, { root, os, user: `u${ti}`, variant: si, binaryPlist: si % 2 === 1 }, version));
        });
      });
      const inv = await scanInventory({ root, os, catalog, processes: false });
      const pairOk = new Map<string, boolean>();
      for (const m of made) {
        const problem = check(inv, m);
        sigsListed++;
        if (m.version) versioned++;
        if (!problem) sigsFound++;
        else misses.push(`${os} ${m.tool} ${m.signature.detector}/${m.signature.kind} ${m.path.slice(root.length)}: ${problem}`);
        const key = `${m.tool}`;
        pairOk.set(key, (pairOk.get(key) ?? true) && !problem);
      }
      listed += pairOk.size;
      detected += [...pairOk.values()].filter(Boolean).length;
      t.diagnostic(`${os}: ${[...pairOk.values()].filter(Boolean).length}/${pairOk.size} tools fully detected, scan ${inv.duration_ms} ms, ${inv.skipped.length} skipped`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const pct = (100 * detected) / listed;
  t.diagnostic(`coverage tools×OS: ${detected}/${listed} = ${pct.toFixed(1)} %; signatures: ${sigsFound}/${sigsListed} (${versioned} of them version-bearing, version checked)`);
  for (const m of misses.slice(0, 40)) t.diagnostic(`miss: ${m}`);
  assert.ok(pct >= 95, `coverage ${pct.toFixed(1)} % < 95 %`);
});
