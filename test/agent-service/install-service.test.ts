// `warden-agent install-service` writes a systemd unit, a launchd plist or a WinSW definition;
// checked by content, by parsing, and for systemd by `systemd-analyze verify` where available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parsePlist } from 'plist';
import { checkSpec, NODE_FLAGS, serviceFiles, ServiceSpecError } from '../../agent/src/service/definitions.ts';

const AGENT = join(process.cwd(), 'bin/warden-agent.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [AGENT, 'install-service', ...args], { encoding: 'utf8' });
}

function withDir(fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-svc-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function systemdAnalyze(): string | null {
  for (const p of ['/usr/bin/systemd-analyze', '/bin/systemd-analyze']) if (existsSync(p)) return p;
  return null;
}

test('linux: a systemd unit that runs `warden-agent run --server URL` and passes systemd-analyze verify', withDir((dir) => {
  const r = run(['--os', 'linux', '--out', dir, '--server', 'https://warden.example.com:8443']);
  assert.equal(r.status, 0, r.stderr);
  const unit = readFileSync(join(dir, 'warden-agent.service'), 'utf8');
  assert.match(unit, new RegExp(`^ExecStart=${process.execPath.replace(/[/.]/g, '\\$&')} ${NODE_FLAGS.join(' ')} ${AGENT.replace(/[/.]/g, '\\$&')} run --server https://warden.example.com:8443$`, 'm'));
  for (const line of ['[Unit]', '[Service]', '[Install]', 'WantedBy=multi-user.target', 'Restart=on-failure', 'NoNewPrivileges=yes', 'After=network-online.target']) assert.ok(unit.includes(line), line);
  // glibc hands V8's freed compile memory back (agent/src/service/malloc-env.ts): the daemon's own environment.
  assert.match(unit, /^Environment=MALLOC_MMAP_THRESHOLD_=32768$/m);
  assert.match(r.stdout, /systemctl enable --now warden-agent/);
  const sa = systemdAnalyze();
  if (!sa) return; // reported by the next test's skip reason
  const v = spawnSync(sa, ['verify', join(dir, 'warden-agent.service')], { encoding: 'utf8' });
  assert.equal(v.status, 0, `systemd-analyze verify failed: ${v.stderr}`);
  assert.ok(!/warden-agent\.service:\d+:/.test(v.stderr), `unit warnings: ${v.stderr}`);
}));

test('systemd-analyze verify rejects a broken unit (so the check above can fail)', { skip: systemdAnalyze() ? false : 'systemd-analyze not installed on this machine' }, withDir((dir) => {
  const r = run(['--os', 'linux', '--out', dir, '--node', '/nonexistent/node']);
  assert.equal(r.status, 0, r.stderr);
  const v = spawnSync(systemdAnalyze()!, ['verify', join(dir, 'warden-agent.service')], { encoding: 'utf8' });
  assert.notEqual(v.status, 0);
  assert.match(v.stderr, /nonexistent\/node/);
}));

test('darwin: a launchd daemon plist that parses back to the same program arguments', withDir((dir) => {
  const r = run(['--os', 'darwin', '--out', dir, '--server', 'https://warden.corp.example/', '--node', '/opt/homebrew/bin/node', '--agent', '/opt/warden/bin/warden-agent.js']);
  assert.equal(r.status, 0, r.stderr);
  const p = parsePlist(readFileSync(join(dir, 'com.warden.agent.plist'), 'utf8')) as Record<string, unknown>;
  assert.equal(p.Label, 'com.warden.agent');
  assert.deepEqual(p.ProgramArguments, ['/opt/homebrew/bin/node', ...NODE_FLAGS, '/opt/warden/bin/warden-agent.js', 'run', '--server', 'https://warden.corp.example/']);
  assert.equal(p.RunAtLoad, true);
  assert.deepEqual(p.KeepAlive, { SuccessfulExit: false });
  assert.equal(p.StandardErrorPath, '/Library/Logs/warden/agent.log');
}));

test('win32: a WinSW service XML (node.exe wrapped as a real service) and its install script', withDir((dir) => {
  const r = run(['--os', 'win32', '--out', dir, '--server', 'https://warden.example.com/?tenant=a&site=b']);
  assert.equal(r.status, 0, r.stderr);
  const xml = readFileSync(join(dir, 'warden-agent.xml'), 'utf8');
  assert.match(xml, /<id>warden-agent<\/id>/);
  assert.match(xml, /<executable>C:\\Program Files\\nodejs\\node\.exe<\/executable>/);
  assert.match(xml, /<arguments>--max-semi-space-size=1 --optimize-for-size --lite-mode --no-expose-wasm &quot;C:\\Program Files\\warden\\bin\\warden-agent\.js&quot; run --server https:\/\/warden\.example\.com\/\?tenant=a&amp;site=b<\/arguments>/);
  assert.match(xml, /<startmode>Automatic<\/startmode>/);
  assert.match(xml, /<onfailure action="restart"/);
  assert.ok(!/&(?!amp;|quot;|lt;|gt;)/.test(xml.replace(/<!--[\s\S]*?-->/g, '')), 'every & is escaped');
  assert.match(readFileSync(join(dir, 'install.ps1'), 'utf8'), /& \$wrapper install/);
}));

test('bad input is refused with a clear message and nothing written', withDir((dir) => {
  const cases: [string[], RegExp][] = [
    [['--os', 'linux', '--out', join(dir, 'a'), '--server', 'https://admin:hunter2@warden.example.com'], /must not carry credentials/],
    [['--os', 'linux', '--out', join(dir, 'b'), '--server', 'ftp://warden.example.com'], /http\(s\) URL/],
    [['--os', 'linux', '--out', join(dir, 'c'), '--node', 'node'], /absolute linux path/],
    [['--os', 'win32', '--out', join(dir, 'd'), '--agent', '/opt/warden/x.js'], /absolute win32 path/],
    [['--os', 'haiku', '--out', join(dir, 'e')], /--os must be/],
    [['--os', 'linux'], /--out DIR is required/],
  ];
  for (const [args, msg] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, msg);
    assert.ok(!r.stderr.includes('hunter2') || /credentials/.test(r.stderr));
  }
  for (const sub of ['a', 'b', 'c', 'd', 'e']) assert.equal(existsSync(join(dir, sub)), false);
  assert.throws(() => checkSpec({ os: 'linux', node: '/usr/bin/node', agent: '/opt/w.js\nExecStartPre=/bin/rm -rf /', server: null }), ServiceSpecError);
  assert.equal(serviceFiles({ os: 'linux', node: '/usr/bin/node', agent: '/opt/warden/bin/warden-agent.js', server: null })[0]!.content.match(/^ExecStart=.*$/m)![0], `ExecStart=/usr/bin/node ${NODE_FLAGS.join(' ')} /opt/warden/bin/warden-agent.js run`);
}));
