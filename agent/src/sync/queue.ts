// Durable upload queue: what the agent must deliver to the server survives a crash, a reboot, the
// server being down or answering 5xx. Each enqueue writes one batch file atomically (temp file, fsync,
// rename), named by a zero-padded sequence so directory order is delivery order. A batch is deleted
// only after the server acknowledged it, so a crash between send and delete re-sends it; the server
// de-duplicates by event id.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

export interface QueuedBatch<T> {
  file: string;
  /** Stable id of the batch across retries: the server stores a batch once. */
  id: string;
  items: T[];
}

const BATCH_RE = /^(\d{16})\.json$/;

export class DurableQueue<T> {
  private seq: number;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const last = this.files().at(-1);
    this.seq = last ? Number(BATCH_RE.exec(last)?.[1] ?? 0) : 0;
    // Leftover temp files are batches whose write never completed: nothing was acknowledged for them.
    for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
  }

  private files(): string[] {
    return readdirSync(this.dir)
      .filter((f) => BATCH_RE.test(f))
      .sort();
  }

  /** Appends items as one batch (split into chunks of at most `chunk`) and returns once on disk. */
  enqueue(items: T[], chunk = 500): void {
    for (let i = 0; i < items.length; i += chunk) {
      this.seq += 1;
      const name = `${String(this.seq).padStart(16, '0')}.json`;
      const tmp = join(this.dir, `${name}.tmp`);
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, JSON.stringify({ id: randomUUID(), items: items.slice(i, i + chunk) }));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, join(this.dir, name));
    }
  }

  /** Oldest batches holding up to `max` items in total (at least one batch when any is queued). */
  peek(max: number): QueuedBatch<T>[] {
    const out: QueuedBatch<T>[] = [];
    let n = 0;
    for (const file of this.files()) {
      let items: T[];
      let id: string;
      try {
        const v = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as { id?: unknown; items?: unknown };
        if (typeof v.id !== 'string' || !Array.isArray(v.items)) throw new Error('not a queue batch');
        items = v.items as T[];
        id = v.id;
      } catch {
        // A batch that cannot be read cannot be delivered; keep it aside for inspection, never drop it silently.
        renameSync(join(this.dir, file), join(this.dir, `${file}.corrupt`));
        continue;
      }
      if (out.length > 0 && n + items.length > max) break;
      out.push({ file, id, items });
      n += items.length;
      if (n >= max) break;
    }
    return out;
  }

  /** Removes delivered batches. */
  ack(batches: QueuedBatch<T>[]): void {
    for (const b of batches) rmSync(join(this.dir, b.file), { force: true });
  }

  size(): number {
    return this.files().length;
  }

  /** Number of queued items (reads every batch: for status and tests, not the hot path). */
  count(): number {
    return this.peek(Number.MAX_SAFE_INTEGER).reduce((s, b) => s + b.items.length, 0);
  }
}
