// Service definitions for running `warden-agent run` at boot, one per OS:
//  - linux:  a systemd unit (warden-agent.service), hardened but able to read every home,
//            stop processes, quarantine files and write vendor managed settings under /etc;
//  - darwin: a launchd daemon plist (com.warden.agent.plist) for /Library/LaunchDaemons;
//  - win32:  a WinSW service XML (warden-agent.xml) plus install.ps1, because node.exe cannot
//            answer the Service Control Manager itself (New-Service on node.exe would be killed
//            after the 30 s start timeout); WinSW wraps it as a real service.
// No secret ever goes into these files: the enrollment secret lives in the agent's own
// config file with restricted permissions, never in a unit, plist or command line.
import { build as buildPlist } from 'plist';
import type { LayoutOs } from '../../../wire/src/catalog.ts';
import { MALLOC_ENV } from './malloc-env.ts';

export type ServiceSpec = {
  os: LayoutOs;
  /** Absolute path of the node executable on the endpoint. */
  node: string;
  /** Absolute path of bin/warden-agent.js on the endpoint. */
  agent: string;
  /** Server URL (http/https, no credentials), or null to run with the config file only. */
  server: string | null;
};

export type ServiceFile = { name: string; content: string; mode: number };

export const SERVICE_LABEL = 'com.warden.agent';

export class ServiceSpecError extends Error {}

export function checkSpec(spec: ServiceSpec): void {
  for (const [k, v] of [['node', spec.node], ['agent', spec.agent]] as const) {
    if (/[\r\n\0"]/.test(v)) throw new ServiceSpecError(`--${k} contains a quote or control character`);
    const abs = spec.os === 'win32' ? /^[A-Za-z]:\\/.test(v) : v.startsWith('/');
    if (!abs) throw new ServiceSpecError(`--${k} must be an absolute ${spec.os} path (got '${v}')`);
  }
  if (spec.server !== null) {
    let u: URL;
    try {
      u = new URL(spec.server);
    } catch {
      throw new ServiceSpecError(`--server is not a URL: '${spec.server}'`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ServiceSpecError('--server must be an http(s) URL');
    if (u.username || u.password) throw new ServiceSpecError('--server must not carry credentials (they would be readable in the service definition)');
    if (/[\s"'\\%$`]/.test(spec.server)) throw new ServiceSpecError('--server contains characters that are unsafe in a service definition');
  }
}

/**
 * V8 flags for a small resident agent: a 1 MB young generation and size-optimised code keep
 * the daemon's RSS ~30 MB lower at a small CPU cost (figures: bench/inventory.ts). --lite-mode (no
 * JIT tiers: the daemon's only hot code is the watch's poll) saves another ~5 MB of idle RSS
 * (bench/agent-idle.ts); it also turns WebAssembly off, so the daemon starts its cycle children
 * without it (agent/src/sync/daemon.ts DAEMON_ONLY_FLAGS) — they evaluate the policy's WASM.
 * --no-expose-wasm says so to V8 (without it V8 prints a warning line into the service log).
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size', '--lite-mode', '--no-expose-wasm'];

function runArgs(spec: ServiceSpec): string[] {
  return spec.server ? ['run', '--server', spec.server] : ['run'];
}

const sdQuote = (s: string) => (/[\s\\;'"]/.test(s) ? `"${s}"` : s);

export function systemdUnit(spec: ServiceSpec): string {
  const exec = [spec.node, ...NODE_FLAGS, spec.agent, ...runArgs(spec)].map(sdQuote).join(' ');
  return `# warden-agent: inventories AI tools, evaluates the fleet policy, enforces, reports.
# Install: copy to /etc/systemd/system/, then: systemctl daemon-reload && systemctl enable --now warden-agent
[Unit]
Description=warden agent (AI tool inventory and policy enforcement)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${exec}
Restart=on-failure
RestartSec=10
# Logs are JSON lines on stderr; journald keeps them (journalctl -u warden-agent -o cat).
StandardOutput=journal
StandardError=journal
Environment=WARDEN_LOG_LEVEL=info
# glibc returns V8's freed compile memory to the system (agent/src/service/malloc-env.ts).
${Object.entries(MALLOC_ENV).map(([k, v]) => `Environment=${k}=${v}`).join('\n')}
StateDirectory=warden
StateDirectoryMode=0700
WorkingDirectory=/var/lib/warden
# Runs as root: it must read every home, stop processes and write vendor managed settings
# under /etc. Everything else is fenced off.
NoNewPrivileges=yes
ProtectSystem=true
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6

[Install]
WantedBy=multi-user.target
`;
}

export function launchdPlist(spec: ServiceSpec): string {
  return buildPlist({
    Label: SERVICE_LABEL,
    ProgramArguments: [spec.node, ...NODE_FLAGS, spec.agent, ...runArgs(spec)],
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 10,
    ProcessType: 'Background',
    WorkingDirectory: '/Library/Application Support/warden',
    EnvironmentVariables: { WARDEN_LOG_LEVEL: 'info' },
    StandardOutPath: '/Library/Logs/warden/agent.log',
    StandardErrorPath: '/Library/Logs/warden/agent.log',
  });
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function winswXml(spec: ServiceSpec): string {
  const args = [...NODE_FLAGS, `"${spec.agent}"`, ...runArgs(spec)].join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- WinSW service definition for warden-agent (https://github.com/winsw/winsw).
     Put WinSW-x64.exe next to this file as warden-agent.exe, then run install.ps1 as Administrator. -->
<service>
  <id>warden-agent</id>
  <name>warden agent</name>
  <description>warden agent: AI tool inventory and policy enforcement</description>
  <executable>${xmlEscape(spec.node)}</executable>
  <arguments>${xmlEscape(args)}</arguments>
  <startmode>Automatic</startmode>
  <delayedAutoStart>true</delayedAutoStart>
  <onfailure action="restart" delay="10 sec"/>
  <resetfailure>1 hour</resetfailure>
  <env name="WARDEN_LOG_LEVEL" value="info"/>
  <workingdirectory>%ProgramData%\\warden</workingdirectory>
  <logpath>%ProgramData%\\warden\\logs</logpath>
  <log mode="roll-by-size">
    <sizeThreshold>10240</sizeThreshold>
    <keepFiles>8</keepFiles>
  </log>
</service>
`;
}

export function installPs1(): string {
  return `# Installs the warden-agent Windows service with WinSW (run as Administrator).
$ErrorActionPreference = 'Stop'
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$wrapper = Join-Path $here 'warden-agent.exe'
if (-not (Test-Path $wrapper)) { throw "Put WinSW-x64.exe next to warden-agent.xml as warden-agent.exe first" }
New-Item -ItemType Directory -Force -Path (Join-Path $env:ProgramData 'warden\\logs') | Out-Null
& $wrapper install
& $wrapper start
Get-Service warden-agent
`;
}

export function serviceFiles(spec: ServiceSpec): ServiceFile[] {
  checkSpec(spec);
  switch (spec.os) {
    case 'linux':
      return [{ name: 'warden-agent.service', content: systemdUnit(spec), mode: 0o644 }];
    case 'darwin':
      return [{ name: `${SERVICE_LABEL}.plist`, content: launchdPlist(spec), mode: 0o644 }];
    case 'win32':
      return [
        { name: 'warden-agent.xml', content: winswXml(spec), mode: 0o644 },
        { name: 'install.ps1', content: installPs1(), mode: 0o644 },
      ];
  }
}
