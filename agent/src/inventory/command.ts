// `warden-agent scan [--json] [--root DIR | --demo] [--os linux|darwin|win32] [--processes|--no-processes]`
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LayoutOs } from '../../../wire/src/catalog.ts';
import type { Inventory } from '../../../wire/src/inventory.ts';
import { loadCatalog } from '../catalog/load.ts';
import { log } from '../log.ts';
import { createDemoRoot } from '../demo-root.ts';
import { hostOs, scanInventory, type ScanOptions } from './scan.ts';

const USAGE = 'usage: warden-agent scan [--json] [--root DIR | --demo] [--os linux|darwin|win32] [--catalog FILE] [--processes | --no-processes]\n  --demo  scan a freshly generated demo root (fake installs in a temp folder, removed afterwards)\n';

export function formatInventory(inv: Inventory): string {
  const lines = [`${inv.host.hostname} (${inv.host.os.platform}, root ${inv.root}): ${inv.findings.length} finding(s) in ${inv.duration_ms} ms, ${inv.host.users.length} user(s)`];
  for (const f of inv.findings) {
    const run = f.running.length ? ` running pid ${f.running.map((r) => r.pid).join(',')}` : '';
    lines.push(`  ${f.tool_id.padEnd(24)} ${(f.version ?? '?').padEnd(14)} ${f.channel.padEnd(17)} ${(f.user ?? '(machine)').padEnd(10)} ${f.confidence}${run}`);
  }
  if (inv.skipped.length) lines.push(`  skipped ${inv.skipped.length} place(s): ${inv.skipped.slice(0, 3).map((s) => `${s.path} (${s.reason})`).join('; ')}`);
  return lines.join('\n') + '\n';
}

export default async function scan(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        json: { type: 'boolean', default: false },
        root: { type: 'string' },
        os: { type: 'string' },
        catalog: { type: 'string' },
        processes: { type: 'boolean' },
        'no-processes': { type: 'boolean' },
        demo: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`warden-agent scan: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.os !== undefined && !['linux', 'darwin', 'win32'].includes(values.os)) {
    process.stderr.write(`warden-agent scan: --os must be linux, darwin or win32 (got '${values.os}')\n`);
    return 2;
  }
  if (values.demo && values.root) {
    process.stderr.write('warden-agent scan: --demo and --root exclude each other\n');
    return 2;
  }
  const opts: ScanOptions = {};
  if (values.root) opts.root = resolve(values.root);
  let demoRoot: string | null = null;
  if (values.demo) {
    demoRoot = mkdtempSync(join(tmpdir(), 'warden-demo-'));
    createDemoRoot(demoRoot, (values.os as LayoutOs | undefined) ?? hostOs());
    opts.root = demoRoot;
    if (!values.json) process.stdout.write(`demo root with fake installs: ${demoRoot} (removed after the scan; never your real home)\n`);
  }
  if (values.os) opts.os = values.os as LayoutOs;
  if (values.processes) opts.processes = true;
  if (values['no-processes']) opts.processes = false;
  try {
    if (values.catalog) opts.catalog = loadCatalog(resolve(values.catalog));
    const inv = await scanInventory(opts);
    process.stdout.write(values.json ? JSON.stringify(inv, null, 2) + '\n' : formatInventory(inv));
    log.info('scan complete', { findings: inv.findings.length, skipped: inv.skipped.length, duration_ms: inv.duration_ms, root: inv.root });
    return 0;
  } catch (e) {
    log.error('scan failed', { error: e });
    process.stderr.write(`warden-agent scan: ${(e as Error).message}\n`);
    return 1;
  } finally {
    if (demoRoot) rmSync(demoRoot, { recursive: true, force: true });
  }
}
