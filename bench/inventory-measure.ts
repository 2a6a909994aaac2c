// The measured part of bench/inventory.ts, run in a fresh process (under tsx, or bundled to plain
// JS): load the agent's scan API and catalog, scan the root cold and warm, report peak and idle RSS.
import { readFileSync } from 'node:fs';

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

export async function measure(root: string, catalogPath: string): Promise<void> {
  const baseMb = rssMb();
  const t0 = performance.now();
  const [{ loadCatalog }, { scanInventory }] = await Promise.all([import('../agent/src/catalog/load.ts'), import('../agent/src/inventory/scan.ts')]);
  const tLoaded = performance.now();
  const catalog = loadCatalog(catalogPath);
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
  // Idle: what the agent holds between scans (modules and catalog loaded, last inventory kept).
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 300));
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
      idle_rss_mb: rssMb(),
      base_rss_mb: baseMb,
    }) + '\n',
  );
}
