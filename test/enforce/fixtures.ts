// Test fixtures: small real install trees inside a temp root, the inventory findings that describe
// them, and decisions. Nothing here touches anything outside the temp folder it is given.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Decision } from '../../wire/src/decision.ts';
import type { Finding, Inventory, RunningProcess } from '../../wire/src/inventory.ts';

export function tempRoot(label: string): { dir: string; root: string; state: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `warden-${label}-`));
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  mkdirSync(root);
  return { dir, root, state, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface NpmInstall {
  pkgDir: string;
  binLink: string;
  cli: string;
}

/**
 * An npm global install the way npm lays it out: <prefix>/lib/node_modules/<pkg>/ with a bin script,
 * and <prefix>/bin/<name> → ../lib/node_modules/<pkg>/<script>. The script idles (a stand-in for the
 * tool; the test runs it under node and may kill it).
 */
export function npmInstall(root: string, pkg: string, binName: string, opts: { ignoreTerm?: boolean; seed?: number; prefix?: string } = {}): NpmInstall {
  // prefix: the npm prefix below the root ('usr/local' = machine-wide; 'home/<user>/.npm-global' = that user's).
  const prefix = join(root, opts.prefix ?? join('usr', 'local'));
  const pkgDir = join(prefix, 'lib', 'node_modules', ...pkg.split('/'));
  mkdirSync(join(pkgDir, 'vendor', 'deep'), { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: pkg, version: '1.0.3', bin: { [binName]: 'cli.js' } }, null, 2));
  const cli = join(pkgDir, 'cli.js');
  writeFileSync(
    cli,
    `#!/usr/bin/env node\n${opts.ignoreTerm ? "process.on('SIGTERM', () => {});\n" : ''}process.stdout.write('ready\\n');\nsetInterval(() => {}, 1000);\n`,
  );
  chmodSync(cli, 0o755);
  const bytes = Buffer.alloc(4096 + (opts.seed ?? 0));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (opts.seed ?? 7)) & 0xff;
  writeFileSync(join(pkgDir, 'vendor', 'blob.bin'), bytes);
  chmodSync(join(pkgDir, 'vendor', 'blob.bin'), 0o640);
  writeFileSync(join(pkgDir, 'vendor', 'deep', 'setuid-like'), 'x');
  chmodSync(join(pkgDir, 'vendor', 'deep', 'setuid-like'), 0o4711);
  symlinkSync('../blob.bin', join(pkgDir, 'vendor', 'deep', 'link-to-blob'));
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  const binLink = join(prefix, 'bin', binName);
  symlinkSync(`../lib/node_modules/${pkg}/cli.js`, binLink);
  return { pkgDir, binLink, cli };
}

export function finding(tool: string, name: string, install: NpmInstall, running: RunningProcess[] = [], extra: Partial<Finding> = {}): Finding {
  return {
    tool_id: tool,
    name,
    vendor: 'Vendor',
    vendor_country: 'US',
    category: 'agentic-cli',
    version: '1.0.3',
    channel: 'npm',
    user: null,
    paths: [install.pkgDir],
    evidence: [{ signal: 'npm_package', path: install.pkgDir, version: '1.0.3', strong: true }],
    confidence: 'high',
    running,
    ...extra,
  };
}

export function inventory(root: string, findings: Finding[]): Inventory {
  return {
    schema_version: 1,
    scanned_at: new Date().toISOString(),
    duration_ms: 1,
    root,
    catalog_version: 'test',
    host: { hostname: 'test-host', os: { platform: 'linux', distro: 'test', release: '1', arch: 'x64' }, serial: null, users: [] },
    findings,
    skipped: [],
  };
}

export function decision(f: Finding, action: Decision['action'], extra: Partial<Decision> = {}): Decision {
  return {
    finding: `${f.tool_id}:${f.channel}:${f.user ?? '-'}`,
    tool: f.tool_id,
    action,
    reason: `rule test (${action}) matches ${f.tool_id}`,
    message: `${f.name} is banned by company policy.`,
    alternative: 'Qoder',
    rule: 'test',
    grace_until: null,
    monitor: false,
    settings: null,
    ...extra,
  };
}
