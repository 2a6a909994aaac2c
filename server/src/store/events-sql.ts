// Storing an agent's event batch (idempotent per batch id and per event id) together with the
// integration events for the ones stored now, in the caller's transaction. Kept apart from the core
// repository (sql-repository.ts) in the same portable SQL.
import type { SqlExecutor } from './sql-driver.ts';
import type { EventRow } from './types.ts';
import { appendIntegrationEvents } from '../integrations/event-log.ts';
import { enforcementEvents } from '../integrations/derive.ts';

type Row = Record<string, unknown>;

/** stored: events new to the server; appended: integration events were written (announce after commit). */
export async function insertEventBatch(tx: SqlExecutor, deviceId: string, batchId: string, events: EventRow[], at: number): Promise<{ stored: number; duplicate: boolean; appended: boolean }> {
  const fresh = await tx.run('INSERT INTO event_batches (device_id, batch_id, received_at, stored) VALUES (?, ?, ?, 0) ON CONFLICT (device_id, batch_id) DO NOTHING', [deviceId, batchId, at]);
  if (fresh === 0) {
    const prev = await tx.get<Row>('SELECT stored FROM event_batches WHERE device_id = ? AND batch_id = ?', [deviceId, batchId]);
    return { stored: Number(prev?.stored ?? 0), duplicate: true, appended: false };
  }
  // RETURNING names the events stored now (not ones an earlier batch already carried): each becomes
  // one integration event, in the order the agent sent them.
  const storedIds = new Set<string>();
  for (let i = 0; i < events.length; i += 50) {
    const chunk = events.slice(i, i + 50);
    const rows = await tx.all<Row>(
      `INSERT INTO events (device_id, event_id, at, kind, tool_id, action, detail_json, received_at) VALUES ${chunk.map(() => '(?,?,?,?,?,?,?,?)').join(',')} ON CONFLICT (device_id, event_id) DO NOTHING RETURNING event_id`,
      chunk.flatMap((e) => [deviceId, e.eventId, e.at, e.kind, e.toolId, e.action, JSON.stringify(e.detail), at]),
    );
    for (const r of rows) storedIds.add(String(r.event_id));
  }
  const stored = storedIds.size;
  await tx.run('UPDATE event_batches SET stored = ? WHERE device_id = ? AND batch_id = ?', [stored, deviceId, batchId]);
  await tx.run('UPDATE devices SET last_seen_at = ? WHERE id = ?', [at, deviceId]);
  if (stored === 0) return { stored, duplicate: false, appended: false };
  const host = String((await tx.get<Row>('SELECT hostname FROM devices WHERE id = ?', [deviceId]))?.hostname ?? '');
  const seen = new Set<string>();
  const newRows = events.filter((e) => storedIds.has(e.eventId) && !seen.has(e.eventId) && seen.add(e.eventId));
  await appendIntegrationEvents(tx, enforcementEvents(deviceId, host, newRows));
  return { stored, duplicate: false, appended: true };
}
