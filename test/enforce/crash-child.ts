// Child process for the crash test: runs one quarantine or restore and is killed with SIGKILL at a
// random instant by the parent. Prints "go" just before starting, "done <ms>" when finished.
import { enforceState } from '../../agent/src/enforce/state.ts';
import { quarantine, restore, type QuarantineRequest } from '../../agent/src/enforce/vault.ts';

const [op, stateDir, arg] = process.argv.slice(2);
if (!op || !stateDir || !arg) {
  process.stderr.write('usage: crash-child quarantine|restore <state> <request-json|id>\n');
  process.exit(2);
}
const state = enforceState(stateDir);
process.stdout.write('go\n');
const t0 = performance.now();
if (op === 'quarantine') quarantine(state, JSON.parse(arg) as QuarantineRequest);
else restore(state, arg);
process.stdout.write(`done ${(performance.now() - t0).toFixed(3)}\n`);
