// Device credential lookups for authentication, gathered: every request that presents a device
// credential needs its row (id, state, salted hash), and agents check in every minute or more, so a
// cache never helps them (auth/authenticator.ts). On PostgreSQL each lookup alone is a round trip; the
// lookups arriving in the same turn of the event loop share one `credential_id IN (…)` query instead.
// Nothing is kept between batches: each request sees the row as the database holds it when its batch
// runs — a revocation committed before that is seen, exactly as with one query per request.
import type { SqlDriver, SqlValue } from './sql-driver.ts';

export interface CredentialRow {
  id: string;
  state: 'active' | 'revoked';
  credentialHash: string;
}

type Row = Record<string, unknown>;
const MAX_BATCH = 500;

export class CredentialLookups {
  private waiting = new Map<string, { resolve: (r: CredentialRow | null) => void; reject: (e: unknown) => void }[]>();
  private scheduled = false;
  /** Queries run and lookups answered by them (bench and tests). */
  readonly stats = { queries: 0, lookups: 0 };

  constructor(private readonly db: SqlDriver) {}

  get(credentialId: string): Promise<CredentialRow | null> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(credentialId);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(credentialId, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.run());
      }
    });
  }

  private async run(): Promise<void> {
    const all = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    const ids = [...all.keys()];
    for (let i = 0; i < ids.length; i += MAX_BATCH) {
      const chunk = ids.slice(i, i + MAX_BATCH);
      try {
        const rows = await this.db.all<Row>(`SELECT id, state, credential_id, credential_hash FROM devices WHERE credential_id IN (${chunk.map(() => '?').join(', ')})`, chunk as SqlValue[]);
        this.stats.queries++;
        const found = new Map(rows.map((r) => [String(r.credential_id), { id: String(r.id), state: String(r.state) === 'active' ? ('active' as const) : ('revoked' as const), credentialHash: String(r.credential_hash) }]));
        for (const id of chunk) {
          for (const w of all.get(id) ?? []) {
            this.stats.lookups++;
            w.resolve(found.get(id) ?? null);
          }
        }
      } catch (e) {
        for (const id of chunk) for (const w of all.get(id) ?? []) w.reject(e);
      }
    }
  }
}
