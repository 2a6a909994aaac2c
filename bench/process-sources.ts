// Process-source figures per OS source (prints them; asserts nothing). Goal: the process watch stays
// near 0 % of a core when nothing banned runs.
//  1. full listing (inventory, enforcement) and one pid re-read (the check before each signal);
//  2. one watch poll (the steady state: nothing new);
//  3. the idle watch's CPU over S seconds at the interval given — the agent's own CPU plus the CPU of
//     the ps / lsof processes it starts (Linux: cutime + cstime of /proc/self/stat).
// Sources that can run here: procfs (Linux) and ps + lsof (macOS's source; both exist on Linux). The
// Windows source (PowerShell + Win32_Process) cannot run here and is reported as such.
// Run: npx tsx bench/process-sources.ts [--seconds S] [--interval MS]   (default: each source's own default interval)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ProcessWatch, defaultWatchInterval } from '../agent/src/enforce/watch.ts';
import { procfsSource, psSource, type ProcessSource } from '../agent/src/process/source.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, interval: { type: 'string' } } });
const SECONDS = Number(values.seconds);
const intervalOf = (src: ProcessSource): number => (values.interval ? Number(values.interval) : defaultWatchInterval(src.kind));
const line = (s: string): void => void process.stdout.write(`${s}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** CPU ms of this process and of its reaped children (ps, lsof). */
function cpuMs(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = ((Number(f[13]) + Number(f[14])) * 1000) / 100; // cutime + cstime, USER_HZ = 100
  } catch {
    // not Linux: own CPU only
  }
  return (own.user + own.system) / 1000 + children;
}

async function timed<T>(fn: () => Promise<T>, n: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

async function measure(src: ProcessSource): Promise<void> {
  const all = await src.list();
  const listMs = await timed(() => src.list(), 5);
  const readMs = await timed(() => src.read(process.ppid), 10);
  const pollMs = await timed(() => src.poll(() => false), 20);
  // Idle watch: a target nothing runs from; everything on the host is examined once, then only changes.
  const interval = intervalOf(src);
  const watch = new ProcessWatch([{ tool: 'never', finding: 'never', rule: 'bench', reason: 'bench', bundle_revision: 'bench', paths: ['/nonexistent/warden-bench/never'] }], { source: src, intervalMs: interval });
  await watch.tick();
  const c0 = cpuMs();
  const t0 = performance.now();
  watch.start();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  watch.stop();
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuMs() - c0;
  line(
    `${src.kind.padEnd(6)} ${String(all.length).padStart(4)} processes | list ${listMs.toFixed(1)} ms | re-read one pid ${readMs.toFixed(1)} ms | poll ${pollMs.toFixed(1)} ms | ` +
      `idle watch @${interval} ms: ${((cpu / 10) / wall).toFixed(2)} % of one core over ${wall.toFixed(0)} s (${watch.ticks} polls)  [goal ~0 %]`,
  );
}

line(`bench/process-sources on node ${process.version}, ${process.platform}; watch interval ${values.interval ? `${values.interval} ms` : 'each source\'s default'} (bundle: watch.interval_ms)`);
if (process.platform === 'linux') await measure(procfsSource());
await measure(psSource());
line('cim    Windows PowerShell + Win32_Process: cannot run on this host (no PowerShell); not measured — see README "Enforcement per OS"');
