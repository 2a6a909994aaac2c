// `npm run bench`: runs every bench, collects the figures each prints as a `bench-result` line
// (bench/machine.ts), and writes them as one table with their goals, how each was measured, the
// command, and the machine's load average at the time — to stdout and to bench/RESULTS.md, the
// source of the README's figures.
//
// The bench machine may be shared (other engineers' builds and tests): a 1-minute load average above
// the core count means every time in that row is inflated, and the table says so beside it.
// Usage: npm run bench [-- --only fleet,console] [--quick] [--append] [--out bench/RESULTS.md]
//   --quick   1,000 agents only (skips the 10,000-agent fleet runs), fewer decision calls
//   --append  keep the rows of the last run (bench/RESULTS.json) for benches not run this time
// PostgreSQL rows need WARDEN_TEST_PG_URL (skipped, and said so, without it).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { machine, loadLine, type BenchResult } from './machine.ts';

const { values: v } = parseArgs({ options: { only: { type: 'string' }, quick: { type: 'boolean', default: false }, append: { type: 'boolean', default: false }, out: { type: 'string', default: 'bench/RESULTS.md' } } });
const pg = process.env.WARDEN_TEST_PG_URL;
const only = v.only ? new Set(v.only.split(',')) : null;

interface Bench {
  id: string;
  args: string[];
  needsPg?: boolean;
  slow?: boolean;
}
const BENCHES: Bench[] = [
  { id: 'agent-idle', args: ['bench/agent-idle.ts', '--variants', 'bundled'] },
  { id: 'inventory', args: ['bench/inventory.ts'] },
  { id: 'compiler', args: ['bench/compiler.ts', '--calls', v.quick ? '2000' : '10000'] },
  { id: 'policy-test', args: ['bench/policy-test.ts'] },
  { id: 'console', args: ['bench/console-api.ts'] },
  { id: 'console', args: ['bench/console-api.ts', '--db', 'postgres'], needsPg: true },
  { id: 'impact', args: ['bench/server-impact.ts'] },
  { id: 'console-browser', args: ['bench/console.ts'] },
  { id: 'managed-settings', args: ['bench/managed-settings.ts', '--cycles', v.quick ? '50' : '200'] },
  { id: 'fleet', args: ['bench/fleet.ts', '--agents', '1000', '--seconds', '10'] },
  { id: 'fleet', args: ['bench/fleet.ts', '--agents', '1000', '--seconds', '10', '--db', 'postgres'], needsPg: true },
  { id: 'fleet', args: ['bench/fleet.ts', '--agents', '10000', '--seconds', '10'], slow: true },
  { id: 'fleet', args: ['bench/fleet.ts', '--agents', '10000', '--seconds', '10', '--db', 'postgres'], needsPg: true, slow: true },
];

interface Row extends BenchResult {
  load1: number;
  command: string;
  /** ISO time the row was measured. */
  at: string;
}
const rows: Row[] = [];
const notes: string[] = [];
const jsonOut = v.out.replace(/\.md$/, '') + '.json';
const earlier: { rows: Row[]; notes: string[] } = v.append && existsSync(jsonOut) ? (JSON.parse(readFileSync(jsonOut, 'utf8')) as { rows: Row[]; notes: string[] }) : { rows: [], notes: [] };

function run(b: Bench): Promise<void> {
  const command = `node --import tsx ${b.args.join(' ')}`;
  process.stdout.write(`\n$ ${command}   (${loadLine()})\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...b.args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      process.stdout.write(c);
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^bench-result (\{.*\})( ok| MISSED)?$/.exec(line);
        if (m) rows.push({ ...(JSON.parse(m[1]!) as BenchResult & { load1: number }), command, at: new Date().toISOString() });
      }
    });
    child.on('close', (code) => {
      if (code !== 0) notes.push(`\`${command}\` exited with ${code}: its figures may be missing (see its output).`);
      resolve();
    });
  });
}

const started = new Date();
/** Writes bench/RESULTS.json and .md with what was measured so far (after every bench: an interrupted run keeps its rows). */
function write(final: boolean): void {
  const mine = [...rows];
// --append: rows of commands not run this time stay, in their order, before this run's.
const ran = new Set(mine.map((r) => r.command));
const all = [...earlier.rows.filter((r) => !ran.has(r.command)), ...mine];
const allNotes = [...earlier.notes.filter((n) => ![...ran].some((c) => n.includes(c))), ...notes];
writeFileSync(jsonOut, `${JSON.stringify({ rows: all, notes: allNotes }, null, 1)}\n`);
const cores = cpus().length;
const fmt = (x: number): string => x.toLocaleString('en-US');
const met = (r: Row): string => {
  if (!r.goal) return '—';
  const ok = r.goal.op === '<=' ? r.value <= r.goal.value : r.value >= r.goal.value;
  if (ok) return 'met';
  const by = r.goal.op === '<=' ? r.value / r.goal.value : r.goal.value / Math.max(r.value, 1e-9);
  return `missed (×${by.toFixed(1)})`;
};
const table = [
  '| figure | measured | goal | | load (1 min) | how | command, time (UTC) |',
  '|---|---:|---|---|---:|---|---|',
  ...all.map((r) => `| ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.goal ? `${r.goal.op === '<=' ? '≤' : '≥'} ${fmt(r.goal.value)} ${r.unit}` : ''} | ${met(r)} | ${r.load1.toFixed(1)}${r.load1 > cores ? ' ⚠' : ''} | ${r.how} | \`${r.command}\` ${r.at.slice(11, 16)} |`),
].join('\n');
const doc = `# Benchmark results

Written by \`npm run bench\` (bench/run-all.ts) on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine()}.

**Load:** ⚠ marks a row measured while the machine's 1-minute load average was above its ${cores} cores. The machine
is shared with other engineers' builds and tests, so those times are inflated (by roughly load ÷ cores for
CPU-bound work) and the memory figures are not. Re-run on a quiet machine for figures to compare against the goals.
At the end: ${loadLine()}.

${table}
${allNotes.length ? `\n${allNotes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
  writeFileSync(v.out, doc);
  if (final) process.stdout.write(`\n${doc}\nwritten to ${v.out}\n`);
}

for (const b of BENCHES) {
  if (only && !only.has(b.id)) continue;
  if (b.needsPg && !pg) {
    notes.push(`skipped (no WARDEN_TEST_PG_URL): node --import tsx ${b.args.join(' ')}`);
    continue;
  }
  if (b.slow && v.quick) {
    notes.push(`skipped (--quick): node --import tsx ${b.args.join(' ')}`);
    continue;
  }
  await run(b);
  write(false);
}
write(true);


