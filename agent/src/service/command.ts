// `warden-agent install-service --os linux|darwin|win32 --out DIR [--server URL] [--node PATH] [--agent PATH]
//   [--tray PATH | --no-tray]`
// Writes the service definition for the chosen OS into DIR, and the tray app's per-user autostart
// entry (tray-autostart.ts). It registers neither: installing a boot service is the administrator's
// deliberate step, printed at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LayoutOs } from '../../../wire/src/catalog.ts';
import { hostOs } from '../inventory/scan.ts';
import { installPath } from '../../../wire/src/install-root.ts';
import { log } from '../log.ts';
import { serviceFiles, ServiceSpecError, type ServiceSpec } from './definitions.ts';
import { DEFAULT_TRAY_PATH, TRAY_NEXT, trayAutostartFiles } from './tray-autostart.ts';

const USAGE = 'usage: warden-agent install-service --os linux|darwin|win32 --out DIR [--server URL] [--node PATH] [--agent PATH] [--tray PATH | --no-tray]\n';
const REPO_AGENT = installPath('bin/warden-agent.js');

const NEXT: Record<LayoutOs, string> = {
  linux: 'sudo cp warden-agent.service /etc/systemd/system/ && sudo systemctl daemon-reload && sudo systemctl enable --now warden-agent',
  darwin: 'sudo cp com.warden.agent.plist /Library/LaunchDaemons/ && sudo launchctl bootstrap system /Library/LaunchDaemons/com.warden.agent.plist',
  win32: 'copy WinSW-x64.exe as warden-agent.exe next to warden-agent.xml, then run install.ps1 as Administrator',
};

function defaults(os: LayoutOs): { node: string; agent: string } {
  if (os === hostOs()) return { node: process.execPath, agent: REPO_AGENT };
  if (os === 'win32') return { node: 'C:\\Program Files\\nodejs\\node.exe', agent: 'C:\\Program Files\\warden\\bin\\warden-agent.js' };
  return { node: os === 'darwin' ? '/opt/homebrew/bin/node' : '/usr/bin/node', agent: '/opt/warden/bin/warden-agent.js' };
}

export default async function installService(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { os: { type: 'string' }, out: { type: 'string' }, server: { type: 'string' }, node: { type: 'string' }, agent: { type: 'string' }, tray: { type: 'string' }, 'no-tray': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`warden-agent install-service: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const os = (values.os ?? hostOs()) as LayoutOs;
  if (!['linux', 'darwin', 'win32'].includes(os)) {
    process.stderr.write(`warden-agent install-service: --os must be linux, darwin or win32 (got '${os}')\n`);
    return 2;
  }
  if (!values.out) {
    process.stderr.write(`warden-agent install-service: --out DIR is required\n${USAGE}`);
    return 2;
  }
  const d = defaults(os);
  const spec: ServiceSpec = { os, node: values.node ?? d.node, agent: values.agent ?? d.agent, server: values.server ?? null };
  try {
    if (values.tray !== undefined && values['no-tray']) throw new ServiceSpecError('give --tray PATH or --no-tray, not both');
    const withTray = !values['no-tray'];
    const files = [...serviceFiles(spec), ...(withTray ? trayAutostartFiles(os, values.tray ?? DEFAULT_TRAY_PATH[os]) : [])];
    const out = resolve(values.out);
    mkdirSync(out, { recursive: true });
    for (const f of files) writeFileSync(join(out, f.name), f.content, { mode: f.mode });
    process.stdout.write(`wrote ${files.map((f) => join(out, f.name)).join(', ')}\nnext: ${NEXT[os]}\n${withTray ? `tray: ${TRAY_NEXT[os]}\n` : ''}`);
    log.info('service definition written', { os, out, files: files.map((f) => f.name) });
    return 0;
  } catch (e) {
    if (e instanceof ServiceSpecError) {
      process.stderr.write(`warden-agent install-service: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
