// `warden-agent install-service` also writes the tray app's per-user autostart entry for each OS: an
// XDG autostart .desktop file, a LaunchAgent plist, a Run-key PowerShell script. Checked by content
// and by parsing (desktop-file-validate too where it is installed); hostile --tray paths are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parsePlist } from 'plist';

const AGENT = join(process.cwd(), 'bin/warden-agent.js');

function install(os: string, extra: string[] = []): { status: number | null; stdout: string; stderr: string; files: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'warden-tray-autostart-'));
  try {
    const r = spawnSync(process.execPath, [AGENT, 'install-service', '--os', os, '--out', dir, '--server', 'https://warden.example.com', ...extra], { encoding: 'utf8' });
    const files = existsSync(dir) ? Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n), 'utf8')])) : {};
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses a Desktop Entry file into its [Desktop Entry] keys. */
function desktopEntry(text: string): Record<string, string> {
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(lines[0], '[Desktop Entry]');
  return Object.fromEntries(lines.slice(1).map((l) => {
    const i = l.indexOf('=');
    assert.ok(i > 0, `key=value: ${l}`);
    return [l.slice(0, i), l.slice(i + 1)];
  }));
}

test('linux: an XDG autostart entry that starts the installed tray in every desktop session', () => {
  const r = install('linux');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(Object.keys(r.files).sort(), ['warden-agent.service', 'warden-tray.desktop']);
  const e = desktopEntry(r.files['warden-tray.desktop']!);
  assert.equal(e.Type, 'Application');
  assert.equal(e.Name, 'warden');
  assert.equal(e.Exec, '/opt/warden/warden-tray');
  assert.equal(e.Terminal, 'false');
  assert.equal(e['X-GNOME-Autostart-enabled'], 'true');
  assert.match(r.stdout, /\/etc\/xdg\/autostart\//);
  for (const v of ['/usr/bin/desktop-file-validate']) {
    if (!existsSync(v)) continue;
    const dir = mkdtempSync(join(tmpdir(), 'warden-desktop-'));
    try {
      const again = spawnSync(process.execPath, [AGENT, 'install-service', '--os', 'linux', '--out', dir], { encoding: 'utf8' });
      assert.equal(again.status, 0);
      const ok = spawnSync(v, [join(dir, 'warden-tray.desktop')], { encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // A path with a space is quoted as the Desktop Entry spec says.
  const spaced = install('linux', ['--tray', '/opt/warden tray/warden-tray']);
  assert.equal(desktopEntry(spaced.files['warden-tray.desktop']!).Exec, '"/opt/warden tray/warden-tray"');
});

test('darwin: a LaunchAgent for GUI sessions that restarts the tray on a crash, not after Quit', () => {
  const r = install('darwin');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(Object.keys(r.files).sort(), ['com.warden.agent.plist', 'com.warden.tray.plist']);
  const p = parsePlist(r.files['com.warden.tray.plist']!) as Record<string, unknown>;
  assert.deepEqual(p, {
    Label: 'com.warden.tray',
    ProgramArguments: ['/Applications/warden.app/Contents/MacOS/warden'],
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    LimitLoadToSessionType: ['Aqua'],
    ProcessType: 'Interactive',
    ThrottleInterval: 30,
  });
  assert.match(r.stdout, /\/Library\/LaunchAgents\//);
});

test('win32: a script that sets (or removes) the machine Run key value to the quoted tray path', () => {
  const r = install('win32', ['--tray', 'C:\\Program Files\\warden\\warden-tray.exe']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(Object.keys(r.files).sort(), ['install.ps1', 'warden-agent.xml', 'warden-tray-autostart.ps1']);
  const ps = r.files['warden-tray-autostart.ps1']!;
  assert.match(ps, /^\$key = 'HKLM:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run'$/m);
  assert.match(ps, /^\$name = 'warden-tray'$/m);
  assert.match(ps, /^\$tray = 'C:\\Program Files\\warden\\warden-tray\.exe'$/m);
  // The value is the path in double quotes (it has a space), written as a string.
  assert.match(ps, /New-ItemProperty -Path \$key -Name \$name -PropertyType String -Value \('"' \+ \$tray \+ '"'\) -Force/);
  assert.match(ps, /if \(\$Remove\) \{\n {2}Remove-ItemProperty -Path \$key -Name \$name/);
  assert.match(r.stdout, /warden-tray-autostart\.ps1 as Administrator/);
});

test('--no-tray writes the service only; hostile or relative tray paths are refused with the reason', () => {
  const none = install('linux', ['--no-tray']);
  assert.equal(none.status, 0, none.stderr);
  assert.deepEqual(Object.keys(none.files), ['warden-agent.service']);
  for (const [os, path, why] of [
    ['linux', 'warden-tray', /--tray must be an absolute linux path/],
    ['linux', '/opt/x\nExec=/tmp/evil', /--tray contains a quote, control or shell character/],
    ['darwin', '/Applications/$(id).app', /--tray contains a quote, control or shell character/],
    ['win32', "C:\\warden\\x'; Remove-Item C:\\ -Recurse; '", /--tray contains a quote, control or shell character/],
  ] as const) {
    const r = install(os, ['--tray', path]);
    assert.equal(r.status, 2, `${os} ${path}`);
    assert.match(r.stderr, why);
    assert.deepEqual(r.files, {}, 'nothing written');
  }
  const both = install('linux', ['--tray', '/opt/a', '--no-tray']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /not both/);
});
