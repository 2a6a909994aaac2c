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

export interface BenchResult {
  /** What was measured, e.g. "check-ins/s (SQLite, 1,000 agents)". */
  name: string;
  value: number;
  unit: string;
  /** The goal: at most (≤) or at least (≥) this value; null when the figure has no goal. */
  goal: { op: '<=' | '>='; value: number } | null;
  /** How it was measured, in a few words. */
  how: string;
}

/** Prints a figure for the reader and, on its own line, for bench/run-all.ts (`npm run bench`) to collect. */
export function report(r: BenchResult): void {
  const [l1] = loadavg();
  const ok = r.goal === null ? '' : (r.goal.op === '<=' ? r.value <= r.goal.value : r.value >= r.goal.value) ? ' ok' : ' MISSED';
  process.stdout.write(`bench-result ${JSON.stringify({ ...r, load1: Number((l1 ?? 0).toFixed(1)) })}${ok}\n`);
}
