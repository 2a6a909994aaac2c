// Worker thread running conformance cases, so binaryen is loaded once per worker and a case
// that hangs can be stopped (the parent terminates the worker) without stopping the suite.

import { parentPort } from 'node:worker_threads';
import type { Case } from './corpus.ts';
import { runCase } from './run-case.ts';

const port = parentPort;
if (!port) throw new Error('conformance worker must run in a worker thread');

port.on('message', (msg: { id: number; c: Case }) => {
  runCase(msg.c).then(
    (outcome) => port.postMessage({ id: msg.id, outcome }),
    (e: unknown) => port.postMessage({ id: msg.id, outcome: { status: 'fail', detail: `runner: ${e instanceof Error ? e.message : String(e)}` } }),
  );
});
