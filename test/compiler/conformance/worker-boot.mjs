// Worker entry: registers tsx in the worker thread (loaders are per thread), then runs worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
