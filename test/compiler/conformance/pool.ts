// A small pool of worker threads for the conformance cases, with a per-case time limit: a case
// that runs past it is failed and its worker replaced.

import { Worker } from 'node:worker_threads';
import type { Case } from './corpus.ts';
import type { Outcome } from './run-case.ts';

interface Slot {
  worker: Worker;
  ready: Promise<void>;
}

export async function runAll(cases: Case[], opts: { workers: number; timeoutMs: number; onDone?: (c: Case, o: Outcome) => void }): Promise<Map<string, Outcome>> {
  const results = new Map<string, Outcome>();
  let next = 0;
  const spawnWorker = (): Worker => new Worker(new URL('./worker-boot.mjs', import.meta.url));
  const whenReady = (w: Worker): Promise<void> =>
    new Promise((resolve) => {
      const on = (m: { ready?: boolean }): void => {
        if (m.ready) {
          w.off('message', on);
          resolve();
        }
      };
      w.on('message', on);
      w.once('error', () => resolve());
    });
  const replace = (slot: Slot): void => {
    slot.worker = spawnWorker();
    slot.ready = whenReady(slot.worker);
  };

  const runOn = (slot: Slot, c: Case, id: number): Promise<Outcome> =>
    new Promise((resolve) => {
      let finished = false;
      const done = (o: Outcome): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        slot.worker.off('message', onMessage);
        slot.worker.off('error', onError);
        resolve(o);
      };
      const onMessage = (m: { id: number; outcome: Outcome }): void => {
        if (m.id === id) done(m.outcome);
      };
      const onError = (e: Error): void => {
        replace(slot);
        done({ status: 'fail', detail: `worker crashed: ${e.message}` });
      };
      const timer = setTimeout(() => {
        const old = slot.worker;
        replace(slot);
        void old.terminate();
        done({ status: 'fail', detail: `timeout after ${opts.timeoutMs} ms` });
      }, opts.timeoutMs);
      slot.worker.on('message', onMessage);
      slot.worker.on('error', onError);
      slot.worker.postMessage({ id, c });
    });

  const slots: Slot[] = Array.from({ length: Math.max(1, opts.workers) }, () => {
    const worker = spawnWorker();
    return { worker, ready: whenReady(worker) };
  });
  await Promise.all(
    slots.map(async (slot) => {
      for (;;) {
        const i = next++;
        const c = cases[i];
        if (!c) break;
        await slot.ready;
        const o = await runOn(slot, c, i);
        results.set(c.id, o);
        opts.onDone?.(c, o);
      }
    }),
  );
  await Promise.all(slots.map((s) => s.worker.terminate()));
  return results;
}
