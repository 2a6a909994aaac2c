// Opens the configured store: the embedded SQLite file in the data folder by default, PostgreSQL
// when a postgres:// URL is given. Migrations run before the store is handed out.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteDriver } from './sqlite-driver.ts';
import { PostgresDriver } from './postgres-driver.ts';
import { SqlRepository } from './sql-repository.ts';

export interface OpenStoreOptions {
  /** Data folder for the embedded database (created if missing). */
  dataDir?: string;
  /** postgres://… selects PostgreSQL; sqlite:PATH or a bare path selects an SQLite file. */
  database?: string;
  /** PostgreSQL schema (tests give each run its own). */
  pgSchema?: string;
}

export async function openStore(opts: OpenStoreOptions): Promise<SqlRepository> {
  const url = opts.database;
  let repo: SqlRepository;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const driver = new PostgresDriver({ url, ...(opts.pgSchema ? { schema: opts.pgSchema } : {}) });
    await driver.init();
    repo = new SqlRepository(driver);
  } else {
    let file: string;
    if (url) file = url.replace(/^sqlite:/, '');
    else {
      const dir = opts.dataDir ?? 'data';
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      file = join(dir, 'warden.db');
    }
    repo = new SqlRepository(new SqliteDriver(file));
    // The database holds credential hashes and the fleet's inventory: owner-only, like the signing key.
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  }
  try {
    await repo.migrate();
  } catch (err) {
    await repo.close().catch(() => undefined);
    throw err;
  }
  return repo;
}
