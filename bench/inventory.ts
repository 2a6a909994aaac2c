// Inventory benchmark: a synthetic root with every catalog tool installed (linux layout, spread
// over 5 homes) plus 50,000 unrelated files in the places the scan looks (npm globals,
// site-packages, editor extensions) and elsewhere (projects). Prints scan wall time (cold: first
// scan in a fresh agent process, catalog load included; warm: a later scan), peak RSS of that
// process, and the agent's idle RSS after scanning. Goals: ≤ 1 s and ≤ 80 MB.
// Usage: npx tsx bench/inventory.ts
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MALLOC_ENV } from '../agent/src/service/malloc-env.ts';
import { loadLine, report } from './machine.ts';

const HOMES = 5;
const CATALOG = fileURLToPath(new URL('../policies/data/catalog.json', import.meta.url));
/** V8 flags the agent's cycle child (which scans) runs with (agent/src/service/definitions.ts, sync/daemon.ts). */
const SERVICE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size'];
const UNRELATED = 50_000;

async function build(root: string): Promise<void> {
  // Loaded here, not at the top: the scan child must not pay for fixture-building modules.
  const { loadCatalog } = await import('../agent/src/catalog/load.ts');
  const { homeOf, materialize } = await import('../agent/src/inventory/materialize.ts');
  const catalog = loadCatalog();
  let installed = 0;
  catalog.tools.forEach((tool, ti) => {
    const sigs = tool.signatures.linux;
    if (sigs.length) installed++;
    sigs.forEach((sig, si) => materialize(catalog, tool, sig, { root, os: 'linux', user: `user${ti % HOMES}`, variant: si }, `1.${si}.${ti}`));
  });
  // Unrelated files: 2,000 npm packages, 1,000 dist-infos, 200 extensions, the rest project files.
  let files = 0;
  const put = (p: string, c: string) => {
    writeFileSync(p, c);
    files++;
  };
  for (let h = 0; h < HOMES; h++) {
    const home = homeOf(root, 'linux', `user${h}`);
    const npm = join(home, '.nvm/versions/node/v22.11.0/lib/node_modules');
    for (let i = 0; i < 2000; i++) {
      mkdirSync(join(npm, `unrelated-pkg-${i}`), { recursive: true });
      put(join(npm, `unrelated-pkg-${i}`, 'package.json'), JSON.stringify({ name: `unrelated-pkg-${i}`, version: '1.0.0' }));
    }
    const site = join(home, '.local/lib/python3.12/site-packages');
    for (let i = 0; i < 1000; i++) {
      mkdirSync(join(site, `unrelated_dist_${i}-2.0.0.dist-info`), { recursive: true });
      put(join(site, `unrelated_dist_${i}-2.0.0.dist-info`, 'METADATA'), `Name: unrelated-dist-${i}\nVersion: 2.0.0\n`);
    }
    const ext = join(home, '.vscode/extensions');
    for (let i = 0; i < 200; i++) {
      mkdirSync(join(ext, `somebody.unrelated-ext-${i}-1.0.${i}`), { recursive: true });
      put(join(ext, `somebody.unrelated-ext-${i}-1.0.${i}`, 'package.json'), JSON.stringify({ name: `unrelated-ext-${i}`, version: `1.0.${i}` }));
    }
    const perHome = UNRELATED / HOMES - 3200;
    for (let i = 0; i < perHome; i++) {
      const dir = join(home, 'projects', `p${i % 40}`, 'src', `m${i % 17}`);
      if (i < 40 * 17) mkdirSync(dir, { recursive: true });
      put(join(dir, `file${i}.ts`), 'export const x = 1;\n');
    }
  }
  process.stdout.write(`root ${root}: ${installed} catalog tools with linux signatures installed + ${files} unrelated files in ${HOMES} homes\n`);
}

async function main(): Promise<void> {
  // --reuse DIR: scan a root built by an earlier `--keep` run (building 50k files takes a while).
  const reuse = process.argv.includes('--reuse') ? process.argv[process.argv.indexOf('--reuse') + 1] : undefined;
  const keep = process.argv.includes('--keep');
  const root = reuse ?? mkdtempSync(join(tmpdir(), 'warden-bench-'));
  try {
    if (!reuse) await build(root);
    const measure = fileURLToPath(new URL('./inventory-measure.ts', import.meta.url));
    const bundle = await bundleMeasure(measure);
    const call = (mod: string) => `import(${JSON.stringify(pathToFileURL(mod).href)}).then((m) => m.measure(${JSON.stringify(root)}, ${JSON.stringify(CATALOG)}))`;
    const mallocEnv = Object.entries(MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ');
    const modes: [string, string[], Record<string, string>][] = [
      ['tsx, default V8 flags (as `npx warden-agent` runs)', ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', call(measure)], {}],
      [`tsx, service flags ${SERVICE_FLAGS.join(' ')}`, ['--import', 'tsx', ...SERVICE_FLAGS, '--expose-gc', '--input-type=module', '-e', call(measure)], {}],
    ];
    if (bundle) {
      modes.push([`bundled to one JS file, plain node, service flags, without ${mallocEnv}`, [...SERVICE_FLAGS, '--expose-gc', '--input-type=module', '-e', call(bundle)], {}]);
      // Last, and reported: as the daemon starts its cycle child (the process that scans).
      modes.push([`bundled to one JS file, plain node, service flags, ${mallocEnv} (as the cycle child runs)`, [...SERVICE_FLAGS, '--expose-gc', '--input-type=module', '-e', call(bundle)], { ...MALLOC_ENV }]);
    }
    for (const [label, args, env] of modes) {
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
      if (r.status !== 0) throw new Error(`scan child failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | number[]>;
      const f = (x: number) => x.toFixed(0);
      const warm = m.warm_scan_ms as number[];
      process.stdout.write(
        `\n[${label}]\n` +
          `found ${m.tools} tools (${m.findings} findings), ${m.skipped} skipped\n` +
          `scan wall time: cold ${f(m.cold_scan_ms as number)} ms (+ catalog load/validate ${f(m.catalog_ms as number)} ms, module load ${f(m.modules_ms as number)} ms); warm ${warm.map(f).join(' / ')} ms   (goal ≤ 1000 ms)\n` +
          `peak RSS: ${(m.peak_rss_mb as number).toFixed(1)} MB   (goal ≤ 80 MB; the bare process started at ${(m.base_rss_mb as number).toFixed(1)} MB)\n` +
          `agent idle RSS after scanning: ${(m.idle_rss_mb as number).toFixed(1)} MB\n`,
      );
      if (label.startsWith('bundled') && label.endsWith('(as the cycle child runs)')) {
        const scan = (m.cold_scan_ms as number) + (m.catalog_ms as number);
        report({ name: 'scan of the catalog + 50,000 files, cold (bundled)', value: Math.round(scan), unit: 'ms', goal: { op: '<=', value: 1000 }, how: 'first scan in a fresh process, catalog load included' });
        report({ name: 'scan, warm (bundled)', value: Math.round(Math.min(...warm)), unit: 'ms', goal: { op: '<=', value: 1000 }, how: 'best of the later scans in the same process' });
        report({ name: 'scan peak RSS (bundled)', value: Math.round(m.peak_rss_mb as number), unit: 'MB', goal: { op: '<=', value: 80 }, how: `maxRSS of the scanning process (1 cold + 3 warm scans), flags and ${mallocEnv} of the cycle child` });
      }
    }
    process.stdout.write(`${loadLine()}\n`);
  } finally {
    if (!keep && !reuse) rmSync(root, { recursive: true, force: true });
    else process.stdout.write(`kept ${root}\n`);
  }
}

/** Bundles the measured code and the agent modules into one JS file with esbuild (a tsx dependency). */
async function bundleMeasure(entry: string): Promise<string | null> {
  try {
    const esbuild = await import('esbuild');
    const out = join(tmpdir(), `warden-bench-agent-${process.pid}.mjs`);
    await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'silent', external: ['systeminformation'], banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
    process.on('exit', () => rmSync(out, { force: true }));
    return out;
  } catch (e) {
    process.stdout.write(`(bundled mode skipped: ${(e as Error).message})\n`);
    return null;
  }
}

await main();
