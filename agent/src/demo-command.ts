// `warden demo` (what `npm start` runs): builds a demo root with fake AI-tool installs in a temp
// folder, scans it with the real inventory, prints the findings, and removes the folder again
// (also on Ctrl-C). It never looks at the real home.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoRoot } from './demo-root.ts';
import { formatInventory } from './inventory/command.ts';
import { hostOs, scanInventory } from './inventory/scan.ts';

export default async function demo(args: string[]): Promise<number> {
  const os = hostOs();
  const root = mkdtempSync(join(tmpdir(), 'warden-demo-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const onSigint = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    createDemoRoot(root, os);
    process.stdout.write(`warden demo: fake installs written under ${root} (never your real home)\n`);
    const inv = await scanInventory({ root, os, processes: false });
    process.stdout.write(args.includes('--json') ? JSON.stringify(inv, null, 2) + '\n' : formatInventory(inv));
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    cleanup();
  }
}
