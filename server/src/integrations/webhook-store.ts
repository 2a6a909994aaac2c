// Webhooks as the server keeps them: the target, the event types, the signing secret (and the
// previous one while a rotation's grace period runs), and the delivery state — a durable cursor into
// the integration event log, the head event's attempts and when to try it next, a lease so that one
// node at a time delivers a webhook (in order), and the dead letters of events that kept failing.
import type { SqlDriver, SqlExecutor, SqlValue } from '../store/sql-driver.ts';
import { isUniqueViolation } from '../store/sql-driver.ts';
import type { EventFormat } from './format.ts';
import { lastIntegrationSeq, readIntegrationEvents, typeWhere, type IntegrationEvent } from './event-log.ts';

type Row = Record<string, unknown>;

export interface WebhookSettings {
  name: string;
  url: string;
  events: string[];
  format: EventFormat;
  enabled: boolean;
}

export interface Webhook extends WebhookSettings {
  id: string;
  secret: string;
  previousSecret: string | null;
  previousUntil: number | null;
  version: number;
  createdBy: string;
  createdAt: number;
  updatedBy: string;
  updatedAt: number;
  cursor: number;
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  delivered: number;
}

export interface DeadLetter {
  seq: number;
  webhookId: string;
  eventSeq: number;
  eventId: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string;
  deadAt: number;
  redeliveredAt: number | null;
}

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toWebhook(r: Row): Webhook {
  return {
    id: String(r.id), name: String(r.name), url: String(r.url), events: JSON.parse(String(r.event_types)) as string[], format: String(r.format) as EventFormat,
    enabled: Number(r.enabled) === 1, secret: String(r.secret), previousSecret: s(r.previous_secret), previousUntil: n(r.previous_until), version: Number(r.version),
    createdBy: String(r.created_by), createdAt: Number(r.created_at), updatedBy: String(r.updated_by), updatedAt: Number(r.updated_at),
    cursor: Number(r.cursor_seq), attempts: Number(r.attempts), nextAttemptAt: Number(r.next_attempt_at), lastStatus: n(r.last_status), lastError: s(r.last_error),
    lastAttemptAt: n(r.last_attempt_at), lastSuccessAt: n(r.last_success_at), delivered: Number(r.delivered),
  };
}
function toDead(r: Row): DeadLetter {
  return {
    seq: Number(r.seq), webhookId: String(r.webhook_id), eventSeq: Number(r.event_seq), eventId: String(r.event_id), attempts: Number(r.attempts),
    lastStatus: n(r.last_status), lastError: String(r.last_error), deadAt: Number(r.dead_at), redeliveredAt: n(r.redelivered_at),
  };
}

export class WebhookStore {
  constructor(readonly db: SqlDriver) {}

  async list(): Promise<Webhook[]> {
    return (await this.db.all<Row>('SELECT * FROM webhooks ORDER BY name')).map(toWebhook);
  }
  async get(id: string): Promise<Webhook | null> {
    const r = await this.db.get<Row>('SELECT * FROM webhooks WHERE id = ?', [id]);
    return r ? toWebhook(r) : null;
  }
  async getByName(name: string): Promise<Webhook | null> {
    const r = await this.db.get<Row>('SELECT * FROM webhooks WHERE name = ?', [name]);
    return r ? toWebhook(r) : null;
  }

  /** A new webhook receives events appended from now on ('now') or the whole log ('beginning'). */
  async create(id: string, w: WebhookSettings, secret: string, by: string, at: number, from: 'now' | 'beginning'): Promise<Webhook | 'exists'> {
    try {
      await this.db.transaction(async (tx) => {
        const cursor = from === 'now' ? await lastIntegrationSeq(tx) : 0;
        await tx.run(
          'INSERT INTO webhooks (id, name, url, event_types, format, enabled, secret, version, created_by, created_at, updated_by, updated_at, cursor_seq) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)',
          [id, w.name, w.url, JSON.stringify(w.events), w.format, w.enabled ? 1 : 0, secret, by, at, by, at, cursor],
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) return 'exists';
      throw err;
    }
    return (await this.get(id))!;
  }

  /** Changes the settings; compare-and-set on version when expectVersion is given. */
  async update(id: string, w: WebhookSettings, by: string, at: number, expectVersion?: number): Promise<Webhook | 'missing' | 'exists' | { conflict: number }> {
    try {
      const r = await this.db.transaction(async (tx) => {
        const cur = await tx.get<Row>('SELECT version FROM webhooks WHERE id = ?', [id]);
        if (!cur) return 'missing' as const;
        if (expectVersion !== undefined && Number(cur.version) !== expectVersion) return { conflict: Number(cur.version) };
        // Re-enabling or retargeting clears the backoff so the backlog goes out at once.
        await tx.run('UPDATE webhooks SET name = ?, url = ?, event_types = ?, format = ?, enabled = ?, version = version + 1, updated_by = ?, updated_at = ?, attempts = 0, next_attempt_at = 0 WHERE id = ?', [w.name, w.url, JSON.stringify(w.events), w.format, w.enabled ? 1 : 0, by, at, id]);
        return 'ok' as const;
      });
      if (r !== 'ok') return r;
    } catch (err) {
      if (isUniqueViolation(err)) return 'exists';
      throw err;
    }
    return (await this.get(id))!;
  }

  async remove(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM webhook_dead_letters WHERE webhook_id = ?', [id]);
      return (await tx.run('DELETE FROM webhooks WHERE id = ?', [id])) > 0;
    });
  }

  /** New secret; the old one keeps being signed with until `previousUntil` (receivers switch meanwhile). */
  async rotate(id: string, secret: string, previousUntil: number, by: string, at: number): Promise<boolean> {
    return (await this.db.run('UPDATE webhooks SET previous_secret = secret, previous_until = ?, secret = ?, version = version + 1, updated_by = ?, updated_at = ? WHERE id = ?', [previousUntil, secret, by, at, id])) > 0;
  }

  /** Webhooks due for delivery whose lease is free or ours. */
  async due(now: number, owner: string): Promise<Webhook[]> {
    return (await this.db.all<Row>('SELECT * FROM webhooks WHERE enabled = 1 AND next_attempt_at <= ? AND (lease_until < ? OR lease_owner = ?) ORDER BY name', [now, now, owner])).map(toWebhook);
  }

  /** Takes (or renews) the delivery lease; false when another node holds it. */
  async lease(id: string, owner: string, now: number, ms: number): Promise<boolean> {
    return (await this.db.run('UPDATE webhooks SET lease_owner = ?, lease_until = ? WHERE id = ? AND (lease_until < ? OR lease_owner = ?)', [owner, now + ms, id, now, owner])) > 0;
  }
  /** Frees every lease (the embedded database: this process is the only server). */
  async releaseAll(): Promise<void> {
    await this.db.run('UPDATE webhooks SET lease_until = 0');
  }
  async release(id: string, owner: string): Promise<void> {
    await this.db.run('UPDATE webhooks SET lease_until = 0 WHERE id = ? AND lease_owner = ?', [id, owner]);
  }

  /** The next events this webhook has not delivered, oldest first. */
  pending(w: Webhook, limit: number): Promise<IntegrationEvent[]> {
    return readIntegrationEvents(this.db, w.cursor, w.events, limit);
  }

  async backlog(w: Webhook): Promise<number> {
    const t = typeWhere(w.events);
    const r = await this.db.get<Row>(`SELECT COUNT(*) AS n FROM integration_events WHERE seq > ? AND ${t.sql}`, [w.cursor, ...t.vals]);
    return Number(r?.n ?? 0);
  }

  /** Delivered: the cursor moves past the event (only while we hold the lease and the cursor is where we read it). */
  async delivered(id: string, owner: string, fromCursor: number, eventSeq: number, status: number, at: number): Promise<boolean> {
    return (await this.db.run(
      'UPDATE webhooks SET cursor_seq = ?, attempts = 0, next_attempt_at = 0, last_status = ?, last_error = NULL, last_attempt_at = ?, last_success_at = ?, delivered = delivered + 1 WHERE id = ? AND lease_owner = ? AND cursor_seq = ?',
      [eventSeq, status, at, at, id, owner, fromCursor],
    )) > 0;
  }

  /** Failed: the head event is retried at nextAt; or, past the attempt limit, dead-lettered and skipped. */
  async failed(w: Webhook, owner: string, e: IntegrationEvent, status: number | null, error: string, at: number, nextAt: number, dead: boolean): Promise<void> {
    await this.db.transaction(async (tx: SqlExecutor) => {
      const vals: SqlValue[] = [status, error.slice(0, 1000), at];
      if (!dead) {
        await tx.run('UPDATE webhooks SET attempts = attempts + 1, next_attempt_at = ?, last_status = ?, last_error = ?, last_attempt_at = ? WHERE id = ? AND lease_owner = ? AND cursor_seq = ?', [nextAt, ...vals, w.id, owner, w.cursor]);
        return;
      }
      const moved = await tx.run('UPDATE webhooks SET cursor_seq = ?, attempts = 0, next_attempt_at = 0, last_status = ?, last_error = ?, last_attempt_at = ? WHERE id = ? AND lease_owner = ? AND cursor_seq = ?', [e.seq, ...vals, w.id, owner, w.cursor]);
      if (moved === 0) return;
      await tx.run(
        'INSERT INTO webhook_dead_letters (webhook_id, event_seq, event_id, attempts, last_status, last_error, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (webhook_id, event_seq) DO NOTHING',
        [w.id, e.seq, e.id, w.attempts + 1, status, error.slice(0, 1000), at],
      );
    });
  }

  async deadLetters(webhookId: string, limit = 100, offset = 0): Promise<DeadLetter[]> {
    return (await this.db.all<Row>('SELECT * FROM webhook_dead_letters WHERE webhook_id = ? ORDER BY event_seq DESC LIMIT ? OFFSET ?', [webhookId, limit, offset])).map(toDead);
  }
  async deadLetter(webhookId: string, eventSeq: number): Promise<DeadLetter | null> {
    const r = await this.db.get<Row>('SELECT * FROM webhook_dead_letters WHERE webhook_id = ? AND event_seq = ?', [webhookId, eventSeq]);
    return r ? toDead(r) : null;
  }
  async countDead(webhookId: string): Promise<number> {
    return Number((await this.db.get<Row>('SELECT COUNT(*) AS n FROM webhook_dead_letters WHERE webhook_id = ? AND redelivered_at IS NULL', [webhookId]))?.n ?? 0);
  }
  async markRedelivered(webhookId: string, eventSeq: number, at: number): Promise<void> {
    await this.db.run('UPDATE webhook_dead_letters SET redelivered_at = ? WHERE webhook_id = ? AND event_seq = ?', [at, webhookId, eventSeq]);
  }
  async event(seq: number): Promise<IntegrationEvent | null> {
    const [e] = await readIntegrationEvents(this.db, seq - 1, ['*'], 1);
    return e && e.seq === seq ? e : null;
  }
}
