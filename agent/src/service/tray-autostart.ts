// The tray app's per-user autostart entry, one per OS, written by `warden-agent install-service`
// beside the agent's service definition. Installed machine-wide, each starts the tray in every
// employee's own session, as that employee (never as root):
//  - linux:  an XDG autostart entry (warden-tray.desktop) for /etc/xdg/autostart/;
//  - darwin: a LaunchAgent (com.warden.tray.plist) for /Library/LaunchAgents/, Aqua sessions only;
//  - win32:  a PowerShell script that sets (or with -Remove, deletes) the machine's Run key value,
//            which Windows starts at every user's logon.
// The tray path is where the packages (tray-app/electron-builder.yml) install the app.
import { build as buildPlist } from 'plist';
import type { LayoutOs } from '../../../wire/src/catalog.ts';
import { ServiceSpecError, type ServiceFile } from './definitions.ts';

export const TRAY_LABEL = 'com.warden.tray';
export const TRAY_RUN_VALUE = 'warden-tray';

/** Where the packages put the tray app's executable. */
export const DEFAULT_TRAY_PATH: Record<LayoutOs, string> = {
  linux: '/opt/warden/warden-tray',
  darwin: '/Applications/warden.app/Contents/MacOS/warden',
  win32: 'C:\\Program Files\\warden\\warden-tray.exe',
};

export function checkTrayPath(os: LayoutOs, path: string): void {
  if (/[\r\n\0"'`$%\\;]/.test(os === 'win32' ? path.replaceAll('\\', '') : path)) throw new ServiceSpecError('--tray contains a quote, control or shell character');
  const abs = os === 'win32' ? /^[A-Za-z]:\\/.test(path) : path.startsWith('/');
  if (!abs) throw new ServiceSpecError(`--tray must be an absolute ${os} path (got '${path}')`);
}

/** XDG Desktop Entry (Desktop Entry Specification 1.5); Exec needs quoting only for spaces here. */
export function xdgAutostart(tray: string): string {
  const exec = /\s/.test(tray) ? `"${tray}"` : tray;
  return `[Desktop Entry]
Type=Application
Version=1.5
Name=warden
GenericName=AI tool policy
Comment=What your company's AI tool policy blocked on this computer, why, and what to use instead
Exec=${exec}
Icon=warden-tray
Terminal=false
Categories=Utility;
X-GNOME-Autostart-enabled=true
X-GNOME-Autostart-Delay=5
X-KDE-autostart-after=panel
`;
}

export function launchAgentPlist(tray: string): string {
  return buildPlist({
    Label: TRAY_LABEL,
    ProgramArguments: [tray],
    RunAtLoad: true,
    // Restarted if it crashes, not if the employee quits it from its menu.
    KeepAlive: { SuccessfulExit: false },
    LimitLoadToSessionType: ['Aqua'],
    ProcessType: 'Interactive',
    ThrottleInterval: 30,
  });
}

const psQuote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

export function runKeyScript(tray: string): string {
  return `# Starts the warden tray app at every user's logon (HKLM Run key), as that user.
# Run as Administrator: .\\warden-tray-autostart.ps1    To undo: .\\warden-tray-autostart.ps1 -Remove
param([switch]$Remove)
$ErrorActionPreference = 'Stop'
$key = 'HKLM:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run'
$name = ${psQuote(TRAY_RUN_VALUE)}
$tray = ${psQuote(tray)}
if ($Remove) {
  Remove-ItemProperty -Path $key -Name $name -ErrorAction SilentlyContinue
  return
}
if (-not (Test-Path -LiteralPath $tray)) { throw "The warden tray app is not installed at $tray (install its package first)" }
New-ItemProperty -Path $key -Name $name -PropertyType String -Value ('"' + $tray + '"') -Force | Out-Null
Get-ItemProperty -Path $key -Name $name
`;
}

export function trayAutostartFiles(os: LayoutOs, tray: string = DEFAULT_TRAY_PATH[os]): ServiceFile[] {
  checkTrayPath(os, tray);
  switch (os) {
    case 'linux':
      return [{ name: 'warden-tray.desktop', content: xdgAutostart(tray), mode: 0o644 }];
    case 'darwin':
      return [{ name: `${TRAY_LABEL}.plist`, content: launchAgentPlist(tray), mode: 0o644 }];
    case 'win32':
      return [{ name: 'warden-tray-autostart.ps1', content: runKeyScript(tray), mode: 0o644 }];
  }
}

export const TRAY_NEXT: Record<LayoutOs, string> = {
  linux: 'sudo cp warden-tray.desktop /etc/xdg/autostart/ (starts the tray in every desktop session)',
  darwin: 'sudo cp com.warden.tray.plist /Library/LaunchAgents/ (starts the tray at every login)',
  win32: 'run warden-tray-autostart.ps1 as Administrator (starts the tray at every logon)',
};
