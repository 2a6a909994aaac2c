// What every bench prints beside its figures: the machine and how loaded it was. The bench machine
// is shared (other engineers' builds and tests run on it), so a figure taken at a load average above
// the core count is distorted upwards; the line says so.
import { cpus, loadavg, totalmem } from 'node:os';

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GB RAM, Node ${process.version}`;
}

/** "load average 10.9 / 10.6 / 7.4 (1/5/15 min) on 2 cores — shared machine, figures distorted" */
export function loadLine(): string {
  const [a = 0, b = 0, c = 0] = loadavg();
  const cores = cpus().length;
  const note = a > cores ? ` — busier than its ${cores} cores (shared machine): times are inflated` : '';
  return `load average ${a.toFixed(1)} / ${b.toFixed(1)} / ${c.toFixed(1)} (1/5/15 min) on ${cores} cores${note}`;
}
