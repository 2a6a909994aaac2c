// Inventory benchmark: a synthetic root with every catalog tool installed (linux layout, spread
// over 5 homes) plus 50,000 unrelated files in the places the scan looks (npm globals,
// site-packages, editor extensions) and elsewhere (projects). Prints scan wall time (cold: first
// scan in a fresh agent process, catalog load included; warm: a later scan), peak RSS of that
// process, and the agent's idle RSS after scanning. Goals: ≤ 1 s and ≤ 80 MB.
// Usage: npx tsx bench/inventory.ts
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HOMES = 5;
const UNRELATED = 50_000;

async function child(root: string): Promise<void> {
  const t0 = performance.now();
  const { loadCatalog } = await import('../agent/src/catalog/load.ts');
  const { scanInventory } = await import('../agent/src/inventory/scan.ts');
  const tLoaded = performance.now();
  const catalog = loadCatalog();
  const tCat = performance.now();
  const inv = await scanInventory({ root, os: 'linux', catalog, processes: false });
  const tCold = performance.now();
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    await scanInventory({ root, os: 'linux', catalog, processes: false });
    warm.push(performance.now() - s);
  }
  const peakKb = process.resourceUsage().maxRSS;
  // Idle: what the agent holds between scans (catalog and modules loaded, last inventory kept).
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 300));
  const idleKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  process.stdout.write(
    JSON.stringify({
      modules_ms: tLoaded - t0,
      catalog_ms: tCat - tLoaded,
      cold_scan_ms: tCold - tCat,
      warm_scan_ms: warm,
      findings: inv.findings.length,
      tools: new Set(inv.findings.map((f) => f.tool_id)).size,
      skipped: inv.skipped.length,
      peak_rss_mb: peakKb / 1024,
      idle_rss_mb: idleKb / 1024,
    }) + '\n',
  );
}

async function main(): Promise<void> {
  const { loadCatalog } = await import('../agent/src/catalog/load.ts');
  const { materialize, homeOf } = await import('../agent/src/inventory/materialize.ts');
  const catalog = loadCatalog();
  const root = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  try {
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
    process.stdout.write(`root: ${installed} catalog tools with linux signatures installed + ${files} unrelated files in ${HOMES} homes\n`);
    const self = fileURLToPath(import.meta.url);
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', root], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`scan child failed: ${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | number[]>;
    const f = (x: number) => x.toFixed(0);
    const warm = m.warm_scan_ms as number[];
    process.stdout.write(
      `found ${m.tools} tools (${m.findings} findings), ${m.skipped} skipped\n` +
        `scan wall time: cold ${f(m.cold_scan_ms as number)} ms (+ catalog load/validate ${f(m.catalog_ms as number)} ms, module load ${f(m.modules_ms as number)} ms); warm ${warm.map(f).join(' / ')} ms   (goal ≤ 1000 ms)\n` +
        `peak RSS: ${(m.peak_rss_mb as number).toFixed(1)} MB   (goal ≤ 80 MB)\n` +
        `agent idle RSS after scanning: ${(m.idle_rss_mb as number).toFixed(1)} MB\n`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const i = process.argv.indexOf('--child');
if (i >= 0) await child(process.argv[i + 1]!);
else await main();
