// Group commit for small independent write transactions (agents' status check-ins): work that
// arrives while a batch is being committed waits and goes into the next one, so a burst of N
// check-ins costs a few transactions rather than N commits (each commit is a WAL append on SQLite
// and a round trip plus a WAL flush on PostgreSQL). Each caller's promise settles only after the
// transaction holding its work committed — "ack after commit" is kept. A batch that fails is rolled
// back and its work retried one transaction each, so one failing write fails only its own caller.
//
// BatchCommit hands the whole batch to one function, so it can write it with a few statements
// (PostgreSQL: one round trip for N rows instead of N); GroupCommit runs each caller's own function.
import type { SqlDriver, SqlExecutor } from './sql-driver.ts';

interface Pending<I, O> {
  item: I;
  done: (ok: boolean, value: O | unknown) => void;
}

const MAX_BATCH = 200;
/** The first caller waits this long, so work arriving meanwhile shares its commit (a one-turn wait gathered ~2 check-ins per commit under load, bench/fleet.ts). */
const WAIT_MS = 2;

export class BatchCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private running = false;

  /**
   * work: writes a batch in the given transaction and returns one result per item, in order.
   * key: items with the same key never share a batch (a later one waits for the next), so work may
   * treat each key as appearing once.
   */
  constructor(
    private readonly db: SqlDriver,
    private readonly work: (tx: SqlExecutor, items: I[]) => Promise<O[]>,
    private readonly key?: (item: I) => string,
  ) {}

  /** Resolves with the item's result after the transaction holding it committed. */
  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, done: (ok, v) => (ok ? resolve(v as O) : reject(v)) });
      if (!this.running) void this.drain();
    });
  }

  private take(): Pending<I, O>[] {
    if (!this.key) return this.queue.splice(0, MAX_BATCH);
    const keys = new Set<string>();
    const batch: Pending<I, O>[] = [];
    const later: Pending<I, O>[] = [];
    for (const p of this.queue) {
      const k = this.key(p.item);
      if (batch.length < MAX_BATCH && !keys.has(k)) {
        keys.add(k);
        batch.push(p);
      } else later.push(p);
    }
    this.queue = later;
    return batch;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      await new Promise((r) => setTimeout(r, WAIT_MS));
      while (this.queue.length > 0) {
        const batch = this.take();
        let results: O[] | null = null;
        try {
          results = await this.db.transaction((tx) => this.work(tx, batch.map((p) => p.item)));
        } catch {
          results = null;
        }
        if (results) batch.forEach((p, i) => p.done(true, results[i]));
        else {
          for (const p of batch) {
            await this.db.transaction((tx) => this.work(tx, [p.item])).then((v) => p.done(true, v[0]), (e: unknown) => p.done(false, e));
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** Each caller's own function, run one after another in a shared transaction. */
export class GroupCommit {
  private readonly batches: BatchCommit<(tx: SqlExecutor) => Promise<unknown>, unknown>;

  constructor(db: SqlDriver) {
    this.batches = new BatchCommit(db, async (tx, fns) => {
      const out: unknown[] = [];
      for (const fn of fns) out.push(await fn(tx));
      return out;
    });
  }

  /** Runs `fn` inside a transaction shared with other callers' work; resolves after that transaction committed. */
  run<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.batches.run(fn) as Promise<T>;
  }
}
