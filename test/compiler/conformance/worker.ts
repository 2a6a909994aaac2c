// Worker thread running conformance cases, so binaryen is loaded once per worker and a case
// that hangs can be stopped (the parent terminates the worker) without stopping the suite.

import { parentPort } from 'node:worker_threads';
import type { Case } from './corpus.ts';
import { runCase } from './run-case.ts';

const port = parentPort;
if (!port) throw new Error('conformance worker must run in a worker thread');

// Warm up (binaryen import, runtime load) before reporting ready: the per-case time limit then
// measures the case alone.
await runCase({
  id: 'warmup', corpus: 'opa', folder: '', note: '', modules: ['package w\np := 1\n'], data: {}, inputs: [undefined],
  query: 'x = data.w.p', mode: 'opa-bindings', expect: { kind: 'results', values: [], ordered: false },
}).catch(() => undefined);
port.postMessage({ ready: true });

port.on('message', (msg: { id: number; c: Case }) => {
  runCase(msg.c).then(
    (outcome) => port.postMessage({ id: msg.id, outcome }),
    (e: unknown) => port.postMessage({ id: msg.id, outcome: { status: 'fail', detail: `runner: ${e instanceof Error ? e.message : String(e)}` } }),
  );
});
