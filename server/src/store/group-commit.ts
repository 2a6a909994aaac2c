// Group commit for small independent write transactions (agents' status check-ins): work that
// arrives while a batch is being committed waits and goes into the next one, so a burst of N
// check-ins costs a few transactions rather than N commits (each commit is a WAL append on SQLite
// and a round trip plus a WAL flush on PostgreSQL). Each caller's promise settles only after the
// transaction holding its work committed — "ack after commit" is kept. A batch that fails is rolled
// back and its work retried one transaction each, so one failing write fails only its own caller.
import type { SqlDriver, SqlExecutor } from './sql-driver.ts';

interface Pending {
  fn: (tx: SqlExecutor) => Promise<unknown>;
  done: (ok: boolean, value: unknown) => void;
}

const MAX_BATCH = 200;

export class GroupCommit {
  private queue: Pending[] = [];
  private running = false;

  constructor(private readonly db: SqlDriver) {}

  /** Runs `fn` inside a transaction shared with other callers' work; resolves after that transaction committed. */
  run<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, done: (ok, v) => (ok ? resolve(v as T) : reject(v)) });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // The first caller waits 2 ms, so check-ins arriving meanwhile share its commit (a commit costs far
      // more than a check-in's rows; a one-turn wait gathered ~2 per commit under load, bench/fleet.ts).
      await new Promise((r) => setTimeout(r, 2));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        let results: unknown[] | null = null;
        try {
          results = await this.db.transaction(async (tx) => {
            const out: unknown[] = [];
            for (const p of batch) out.push(await p.fn(tx));
            return out;
          });
        } catch {
          results = null;
        }
        if (results) batch.forEach((p, i) => p.done(true, results[i]));
        else {
          for (const p of batch) {
            await this.db.transaction((tx) => p.fn(tx)).then((v) => p.done(true, v), (e: unknown) => p.done(false, e));
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
