// Exports are streamed page by page (server/src/reports/export.ts): an export that crosses several
// database pages arrives whole, in order, as valid CSV and JSON, and is audited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedConsoleFleet } from '../../bench/console-seed.ts';
import { http, sqliteKind, startFleet } from './helpers.ts';

test('an inventory export of 2,500 rows (three database pages) streams whole as CSV and as JSON', async () => {
  const f = await startFleet(sqliteKind);
  try {
    await seedConsoleFleet(f.store.driver, 250, 10, Date.now());
    const csv = await http(f.url, 'GET', '/api/v1/inventory?format=csv', { token: f.tokens.auditor });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="warden-inventory-/);
    const lines = csv.text.split('\r\n');
    assert.equal(lines.at(-1), '', 'ends with CRLF');
    assert.equal(lines.length - 2, 2500, 'header + 2,500 rows');
    assert.equal(new Set(lines.slice(1, -1)).size, 2500, 'no row twice');
    const json = await http(f.url, 'GET', '/api/v1/inventory?format=json&tool=cursor', { token: f.tokens.auditor });
    const doc = JSON.parse(json.text) as { kind: string; columns: string[]; rows: Record<string, unknown>[]; truncated: boolean };
    assert.equal(doc.kind, 'inventory');
    assert.equal(doc.truncated, false);
    assert.ok(doc.rows.length > 0 && doc.rows.every((r) => r.tool === 'cursor' && Object.keys(r).join() === doc.columns.join()));
    const audit = await f.store.listAudit({ action: 'export.read' });
    assert.deepEqual(audit.map((a) => a.detail.format), ['json', 'csv']);
  } finally {
    await f.close();
  }
});
