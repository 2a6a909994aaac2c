// PostgreSQL through pg's Pool. Portable `?` placeholders become $1..$n. BIGINT (epoch-ms times,
// counts) is parsed to number: every value we store fits in 2^53.
import pg from 'pg';
import type { SqlDriver, SqlExecutor, SqlValue } from './sql-driver.ts';

const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

function executor(q: { query: pg.Pool['query'] } | pg.PoolClient): SqlExecutor {
  const query = (sql: string, params: SqlValue[]) => (q as pg.Pool).query(numbered(sql), params);
  return {
    all: async <T>(sql: string, params: SqlValue[] = []) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params: SqlValue[] = []) => (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params: SqlValue[] = []) => (await query(sql, params)).rowCount ?? 0,
    // No parameters → pg's simple query protocol, which accepts several statements.
    exec: async (script: string) => {
      await (q as pg.Pool).query(script);
    },
  };
}

export interface PostgresOptions {
  url: string;
  /** Schema to use (created if missing); lets tests and tenants share one database. */
  schema?: string;
  max?: number;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;
  private readonly listeners = new Set<() => Promise<void>>();

  constructor(private readonly opts: PostgresOptions) {
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
      throw new Error(`invalid PostgreSQL schema name '${opts.schema}' (lowercase letters, digits, _)`);
    }
    this.pool = new pg.Pool({ connectionString: opts.url, max: opts.max ?? 10, types, ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}) });
    // An idle client's error (server restart) must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
    this.direct = executor(this.pool);
  }

  async init(): Promise<void> {
    if (this.opts.schema) {
      const c = new pg.Client({ connectionString: this.opts.url });
      await c.connect();
      try {
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.opts.schema}`);
      } finally {
        await c.end();
      }
    }
  }

  all<T>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }
  get<T>(sql: string, params?: SqlValue[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }
  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client whose connection dies emits 'error' besides failing its query; without a
    // listener that event would crash the process (the pool listens only while a client is idle).
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const out = await fn(executor(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      broken ??= err instanceof Error && /Connection terminated|ECONNRESET/.test(err.message) ? err : undefined;
      throw err;
    } finally {
      client.off('error', onError);
      // A broken connection is discarded, not handed to the next caller.
      client.release(broken);
    }
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async listen(channel: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    // A LISTEN connection dies with its server (restart, failover, network cut): reconnect with
    // backoff and tell the caller, who must resynchronise (notifications sent meanwhile are gone).
    let closed = false;
    let client: pg.Client | null = null;
    let timer: NodeJS.Timeout | null = null;
    let delay = 250;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: this.opts.url });
      c.on('error', () => undefined);
      c.on('notification', (n) => {
        if (n.channel === channel) onMessage(n.payload ?? '');
      });
      c.on('end', () => {
        if (client === c) client = null;
        if (!closed) retry();
      });
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
    };
    const retry = (): void => {
      if (timer || closed) return;
      timer = setTimeout(() => {
        timer = null;
        connect().then(
          () => {
            delay = 250;
            if (!closed) onReconnect?.();
          },
          () => {
            delay = Math.min(delay * 2, 10_000);
            retry();
          },
        );
      }, delay);
      timer.unref();
    };
    const stop = async (): Promise<void> => {
      closed = true;
      if (timer) clearTimeout(timer);
      this.listeners.delete(stop);
      await client?.end().catch(() => undefined);
    };
    await connect();
    this.listeners.add(stop);
    return stop;
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners].map((stop) => stop()));
    await this.pool.end();
  }

  /** Drops the schema (tests clean up after themselves). */
  async dropSchema(): Promise<void> {
    if (!this.opts.schema) return;
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.opts.schema} CASCADE`);
  }
}
