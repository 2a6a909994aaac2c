// Embedded default: SQLite through libsql (better-sqlite3's synchronous API, prebuilt binaries).
// libsql calls are synchronous on one connection, so an async transaction must not interleave with
// other requests' statements: every statement and transaction goes through one FIFO lock.
import { EventEmitter } from 'node:events';
import Database from 'libsql';
import type Libsql from 'libsql';
import type { SqlDriver, SqlExecutor, SqlValue } from './sql-driver.ts';

type Db = InstanceType<typeof Database>;

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Db;
  private lock: Promise<void> = Promise.resolve();
  private readonly bus = new EventEmitter();
  private readonly direct: SqlExecutor;

  constructor(file: string) {
    this.db = new Database(file);
    // WAL keeps readers off writers' backs; synchronous=NORMAL in WAL mode is durable against a
    // process crash (a committed transaction survives kill -9), which is what "ack after commit" needs.
    this.db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;');
    this.bus.setMaxListeners(0);
    const db = this.db;
    // Prepared statements are reused: preparing cost about as much CPU as running a check-in's
    // UPDATE (bench/fleet.ts prints the server's CPU per check-in). Statements run one at a time
    // under the lock, so sharing one is safe; the cache is emptied when full (IN lists vary).
    const cache = new Map<string, Libsql.Statement<unknown[]>>();
    const prepare = (sql: string): Libsql.Statement<unknown[]> => {
      let st = cache.get(sql);
      if (!st) {
        if (cache.size >= 500) cache.clear();
        st = db.prepare<unknown[]>(sql);
        cache.set(sql, st);
      }
      return st;
    };
    this.direct = {
      all: async <T>(sql: string, params: SqlValue[] = []) => prepare(sql).all(...params) as T[],
      get: async <T>(sql: string, params: SqlValue[] = []) => prepare(sql).get(...params) as T | undefined,
      run: async (sql: string, params: SqlValue[] = []) => prepare(sql).run(...params).changes,
      exec: async (script: string) => {
        db.exec(script);
      },
    };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.lock.then(fn);
    this.lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  all<T>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.exclusive(() => this.direct.all<T>(sql, params));
  }
  get<T>(sql: string, params?: SqlValue[]): Promise<T | undefined> {
    return this.exclusive(() => this.direct.get<T>(sql, params));
  }
  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.exclusive(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.direct);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  exec(script: string): Promise<void> {
    return this.exclusive(async () => {
      this.db.exec(script);
    });
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    this.bus.on(channel, onMessage);
    return async () => {
      this.bus.off(channel, onMessage);
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    this.bus.emit(channel, payload);
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      this.bus.removeAllListeners();
      this.db.close();
    });
  }
}
