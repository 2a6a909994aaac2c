// The demo root (what `npm start` scans) holds what it says, on every OS layout, and the demo
// command cleans its temp folder up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoRoot } from '../../agent/src/demo-root.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import type { LayoutOs } from '../../wire/src/catalog.ts';
import { Inventory } from '../../wire/src/inventory.ts';
import { validate } from '../../wire/src/validate.ts';

for (const os of ['linux', 'darwin', 'win32'] as LayoutOs[]) {
  test(`demo root (${os}): every planted tool is found with its version, channel and user; nothing unrelated`, async () => {
    const root = mkdtempSync(join(tmpdir(), `warden-demo-test-${os}-`));
    try {
      const expected = createDemoRoot(root, os);
      const inv = await scanInventory({ root, os, processes: false });
      for (const e of expected) {
        const f = inv.findings.find((x) => x.tool_id === e.tool && x.channel === e.channel && x.user === e.user);
        assert.ok(f, `${os}: ${JSON.stringify(e)} not in ${JSON.stringify(inv.findings.map((x) => [x.tool_id, x.channel, x.user, x.version]))}`);
        assert.equal(f.version, e.version, `${e.tool} version`);
      }
      assert.ok(!inv.findings.some((f) => /typescript|prettier/.test(f.tool_id)));
      assert.deepEqual(inv.host.users, ['alice', 'bob', 'carol']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test('`warden-agent scan --demo --json` prints a valid inventory of a fresh demo root and removes it', () => {
  const r = spawnSync(process.execPath, ['bin/warden-agent.js', 'scan', '--demo', '--json', '--os', 'darwin'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const inv = validate(Inventory, JSON.parse(r.stdout), 'demo inventory');
  assert.ok(inv.findings.some((f) => f.tool_id === 'cursor' && f.channel === 'app' && f.version === '1.7.52'));
  assert.equal(existsSync(inv.root), false, 'demo root removed');
});
