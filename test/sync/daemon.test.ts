// `warden-agent run` as a real daemon process (bin/warden-agent.js → build/warden-agentd.mjs) whose
// cycles run in real child processes (build/warden-agent.mjs __cycle), against a real server on
// loopback with the compiled, signed policy. The process watch is on (--watch on the test's demo
// root) and kills the blocked tool the test starts. A cycle child that hangs (the server address
// holds the connection and never answers) is killed after --cycle-timeout-ms; one killed from outside
// is noticed; both are logged, the daemon and its watch carry on, and the next cycle that reaches the
// server reports the failure in its check-in. Only processes this test started are signalled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createDemoRoot } from '../../agent/src/demo-root.ts';
import { NODE_FLAGS } from '../../agent/src/service/definitions.ts';
import { AgentDaemon, ownCodeProblem, type CycleOutcome } from '../../agent/src/sync/daemon.ts';
import { compilerBundle, defaultPolicySources } from '../../server/src/bundle-compile.ts';
import { compileSources } from '../../server/src/policy/fleet-policy.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import { applyBanList, bundleDownloads, eventually, startServer, tempDir, type TestServer } from './helpers.ts';

const linux = process.platform === 'linux';
const REPO = process.cwd();
const FULL_BUNDLE = realpathSync(join(REPO, 'build', 'warden-agent.mjs'));

let server: TestServer;
let t: { dir: string; cleanup: () => void };
let revision = 0;

function banList(extra: BanList['rules'] = []): BanList {
  const list = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;
  list.rules.push({ id: 'block-gemini', action: 'block', match: { tools: ['gemini-cli'] } }, ...extra);
  return list;
}

/** Publishes a changed ban list and waits for its bundle (the server pushes it to connected agents). */
async function changePolicy(): Promise<string> {
  const before = server.dist.bundles.current()?.revision;
  await applyBanList(server, banList([{ id: `change-${++revision}`, action: 'block', match: { tools: ['cursor'] } }]));
  return (await eventually(async () => server.dist.bundles.current()?.revision !== before && server.dist.bundles.current(), 'the changed bundle', 120_000)).revision;
}

before(async () => {
  if (!linux) return;
  t = tempDir('daemon');
  const sources = defaultPolicySources();
  const wasm = await compileSources(sources); // once for the file
  server = await startServer({ dataDir: join(t.dir, 'server'), compile: compilerBundle(sources, async () => wasm) });
  await applyBanList(server, banList());
  await eventually(async () => server.dist.bundles.current()?.revision.startsWith('1.'), 'compiled bundle', 120_000);
});

after(async () => {
  await server?.close();
  t?.cleanup();
});

/** A demo root whose blocked install (gemini-cli) has a runnable entry point. */
function demoRoot(name: string): { root: string; geminiCli: string } {
  const root = join(t.dir, name);
  mkdirSync(root);
  createDemoRoot(root, 'linux');
  const geminiCli = join(root, 'home/carol/.nvm/versions/node/v22.11.0/lib/node_modules/@google/gemini-cli/cli.js');
  writeFileSync(geminiCli, "process.stdout.write('up\\n'); setInterval(() => {}, 1000);\n");
  return { root, geminiCli };
}

type Log = { msg?: string; error?: string; trigger?: string; cycle?: string; watch?: boolean; watch_targets?: number | null; exit_code?: number | null; tool?: string };

function startDaemon(args: string[], nodeFlags: string[] = []): { child: ChildProcess; logs: Log[]; raw: () => string; waitLog: (pred: (l: Log) => boolean, what: string, ms?: number) => Promise<Log> } {
  const child = spawn(process.execPath, [...nodeFlags, 'bin/warden-agent.js', 'run', ...args], { env: { ...process.env, WARDEN_ENROLL_SECRET: server.enrollSecret }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Log[] = [];
  let buf = '';
  let all = '';
  child.stderr!.on('data', (c: Buffer) => {
    buf += c.toString();
    all += c.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Log);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  const waitLog = (pred: (l: Log) => boolean, what: string, ms = 60_000): Promise<Log> => eventually(async () => logs.find(pred), what, ms).catch((e: Error) => {
    throw new Error(`${e.message}\nlogs:\n${all}`);
  });
  return { child, logs, raw: () => all, waitLog };
}

/** Pids whose parent is `pid` (from /proc/<pid>/stat). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const s = readFileSync(`/proc/${n}/stat`, 'utf8');
      if (Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(n));
    } catch {
      // gone
    }
  }
  return out;
}
const deviceOf = (state: string): string => (JSON.parse(readFileSync(join(state, 'credential.json'), 'utf8')) as { device_id: string }).device_id;
const cmdline = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

async function startTool(cli: string): Promise<ChildProcess> {
  return spawn(process.execPath, [cli], { stdio: ['ignore', 'pipe', 'ignore'] });
}

async function endsBySignal(p: ChildProcess, ms: number): Promise<string | null> {
  if (p.exitCode !== null || p.signalCode !== null) return p.signalCode;
  const timer = setTimeout(() => p.kill('SIGKILL'), ms);
  const [, sig] = (await once(p, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  return sig;
}

test('run: each cycle runs in a child that exits; the daemon watch kills the blocked tool; its kill is uploaded by a later cycle', { skip: !linux && 'needs /proc', timeout: 180_000 }, async () => {
  const { root, geminiCli } = demoRoot('root-a');
  // With the service's node flags: the daemon runs without WebAssembly (--lite-mode), its cycle child evaluates the WASM policy.
  const d = startDaemon(['--server', server.url, '--state', join(t.dir, 'state-a'), '--root', root, '--os', 'linux', '--cron', '0 0 1 1 *', '--watch'], NODE_FLAGS);
  let tool: ChildProcess | null = null;
  try {
    const running = await d.waitLog((l) => l.msg === 'agent running', 'agent running');
    assert.ok(!d.raw().includes('Warning:'), 'no V8 flag warning in the service log');
    assert.equal(running.watch, true);
    assert.equal(running.cycle, FULL_BUNDLE, 'the cycle runs the installed full bundle beside the daemon');
    const done = await d.waitLog((l) => l.msg === 'cycle done' && l.trigger === 'start', 'the first cycle');
    assert.equal(done.watch_targets, 1, 'gemini-cli is blocked: one install to watch');
    // The child says what it cost (bench/agent-idle.ts prints these): its peak RSS and its CPU time.
    const cost = done as { peak_rss_mb?: unknown; cpu_ms?: unknown };
    assert.ok(typeof cost.peak_rss_mb === 'number' && cost.peak_rss_mb > 0, `peak_rss_mb ${String(cost.peak_rss_mb)}`);
    assert.ok(typeof cost.cpu_ms === 'number' && Number.isInteger(cost.cpu_ms) && cost.cpu_ms > 0, `cpu_ms ${String(cost.cpu_ms)}`);
    // The daemon itself runs the small bundle; no cycle child is left behind.
    assert.ok(cmdline(d.child.pid!).some((a) => a.endsWith('bin/warden-agent.js')));
    await eventually(async () => childrenOf(d.child.pid!).length === 0, 'the cycle child exited', 10_000);
    const device = { id: deviceOf(join(t.dir, 'state-a')) };
    await eventually(async () => (await server.store.listDevices()).find((x) => x.id === device.id)?.bundleRevision === server.dist.bundles.current()?.revision, 'the device reports the bundle', 30_000);

    tool = await startTool(geminiCli);
    const sig = await endsBySignal(tool, 15_000);
    assert.ok(sig === 'SIGTERM' || sig === 'SIGKILL', `the watch killed the blocked tool (got ${String(sig)})`);
    const kill = await d.waitLog((l) => l.msg === 'watch kill', 'the watch kill logged');
    assert.equal(kill.tool, 'gemini-cli');
    const spool = join(t.dir, 'state-a', 'outbox', 'watch');
    assert.equal(readdirSync(spool).length, 1, 'the kill is spooled durably until a cycle takes it');

    // A policy change is pushed — the signed archive itself, on the daemon's socket: the next cycle (a
    // new child) verifies and applies it without a download, the daemon answers "applied" on the
    // socket, and the cycle uploads the spooled kill.
    const downloads = await bundleDownloads(server);
    const [sent, applied] = [server.dist.hub.bundlesSent, server.dist.hub.applied];
    const next = await changePolicy();
    await eventually(async () => (await server.store.listDevices()).find((x) => x.id === device.id)?.bundleRevision === next, 'the pushed cycle applied the change', 60_000);
    await d.waitLog((l) => l.msg === 'cycle done' && l.trigger === 'push:bundle', 'the cycle the pushed archive triggered');
    await d.waitLog((l) => l.msg === 'bundle applied' && (l as { via?: string }).via === 'push', 'the cycle child applied the pushed archive');
    assert.equal(server.dist.hub.bundlesSent, sent + 1, 'the archive went over the socket');
    await eventually(async () => server.dist.hub.applied === applied + 1, 'the daemon answered applied on the socket', 10_000);
    assert.equal(await bundleDownloads(server), downloads, 'no download for the pushed bundle');
    assert.ok(!existsSync(join(t.dir, 'state-a', 'push-bundle.tar.gz')), 'the cycle took the pushed archive');
    const events = await eventually(async () => {
      const e = await server.store.queryEvents({ deviceId: device.id, kind: 'watch_kill' });
      return e.length > 0 ? e : null;
    }, 'the watch_kill event uploaded', 30_000);
    assert.equal(events[0]!.toolId, 'gemini-cli');
    assert.equal(readdirSync(spool).length, 0, 'the spooled kill is deleted once queued');
    d.child.kill('SIGTERM');
    const [code] = (await once(d.child, 'exit')) as [number | null];
    assert.equal(code, 0, d.raw());
    assert.ok(!d.raw().includes(server.enrollSecret), 'the enroll secret never appears in logs');
  } finally {
    if (tool) tool.kill('SIGKILL');
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
  }
});

/** A TCP front for the server: 'pass' pipes connections through, 'hold' accepts and never answers. */
async function frontDoor(port: number): Promise<{ url: string; mode: { v: 'pass' | 'hold' }; close: () => Promise<void> }> {
  const mode = { v: 'pass' as 'pass' | 'hold' };
  const sockets = new Set<Socket>();
  const srv: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (mode.v === 'hold') return; // read nothing, answer nothing
    const up = connect(port, '127.0.0.1');
    up.on('error', () => s.destroy());
    s.pipe(up).pipe(s);
    up.on('close', () => s.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    mode,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

test('run: a cycle child that hangs is killed at --cycle-timeout-ms, one killed from outside is noticed; the daemon and its watch carry on and the failure reaches the server', { skip: !linux && 'needs /proc', timeout: 240_000 }, async () => {
  const { root, geminiCli } = demoRoot('root-b');
  const door = await frontDoor(server.port);
  const d = startDaemon(['--server', door.url, '--state', join(t.dir, 'state-b'), '--root', root, '--os', 'linux', '--cron', '0 0 1 1 *', '--watch', '--cycle-timeout-ms', '25000']);
  const tools: ChildProcess[] = [];
  try {
    await d.waitLog((l) => l.msg === 'cycle done' && l.trigger === 'start', 'the first cycle');
    await d.waitLog((l) => l.msg === 'push connected', 'push connected');
    const device = { id: deviceOf(join(t.dir, 'state-b')) };

    // From now on the server address answers nothing (the push socket already open stays up).
    door.mode.v = 'hold';
    await changePolicy(); // pushed: the daemon starts a cycle, which hangs on the server
    const hung = await eventually(async () => childrenOf(d.child.pid!).find((p) => cmdline(p).includes('__cycle')), 'a cycle child running', 30_000);
    assert.equal(cmdline(hung)[cmdline(hung).indexOf('__cycle') - 1], FULL_BUNDLE, 'the child runs the agent bundle, by absolute path');
    process.kill(hung, 'SIGKILL'); // our daemon's child, which this test started through it
    const killed = await d.waitLog((l) => l.msg === 'cycle failed' && /killed by SIGKILL/.test(l.error ?? ''), 'the killed child noticed');
    assert.equal(killed.exit_code, null);

    // The retry hangs too: the daemon kills it after 25 s (a real cycle takes 3–10 s on this loaded 2-core machine).
    const timedOut = await d.waitLog((l) => l.msg === 'cycle failed' && /still running after 25000 ms and was killed/.test(l.error ?? ''), 'the hung child killed at the timeout', 60_000);
    assert.ok(timedOut.trigger === 'retry' || timedOut.trigger?.startsWith('push'));
    // The daemon lives, and its watch still enforces the last targets with the server unreachable.
    assert.equal(d.child.exitCode, null);
    const tool = await startTool(geminiCli);
    tools.push(tool);
    const sig = await endsBySignal(tool, 15_000);
    assert.ok(sig === 'SIGTERM' || sig === 'SIGKILL', `killed offline by the watch (got ${String(sig)})`);

    // The server answers again: a retry reaches it and its check-in reports the failure.
    door.mode.v = 'pass';
    const current = server.dist.bundles.current()!.revision;
    const reported = await eventually(async () => {
      const x = (await server.store.listDevices()).find((y) => y.id === device.id);
      return x?.bundleRevision === current && x;
    }, 'a cycle reaches the server again', 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\nlogs:\n${d.raw()}`);
    });
    const errors = (reported.status?.errors ?? []) as string[];
    assert.ok(errors.some((e) => /the cycle process (was still running after 25000 ms|was killed by SIGKILL)/.test(e)), `check-in errors: ${JSON.stringify(errors)}\nlogs:\n${d.raw()}`);
    assert.equal(d.child.exitCode, null, 'the daemon survived every failed child');
    d.child.kill('SIGTERM');
    const [code] = (await once(d.child, 'exit')) as [number | null];
    assert.equal(code, 0);
  } finally {
    for (const p of tools) p.kill('SIGKILL');
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await door.close();
  }
});

test('the daemon refuses a cycle entry others could change, and a child result that is not a valid cycle result', { skip: !linux && 'needs POSIX modes' }, async () => {
  const dir = join(t.dir, 'entries');
  mkdirSync(dir, { mode: 0o755 });
  const script = join(dir, 'cycle.js');
  writeFileSync(script, "require('node:fs').writeSync(3, JSON.stringify({ schema: 'warden.cycle-result/v1', trigger: 'x', fatal: null, error: null, device_id: null, bundle: null, decisions: -1, events: 0, queued: 0, watch: null, next_check_in_at: null, peak_rss_mb: null }));\n");
  chmodSync(script, 0o644);
  // t.dir is under the OS temp folder (1777): writable by everyone, so nothing in it is the agent's own code.
  assert.match(ownCodeProblem(script) ?? '', /is writable by others \(mode 1777\)/);
  assert.equal(ownCodeProblem(FULL_BUNDLE), null, 'the installed bundle passes');
  const config = { server: 'http://127.0.0.1:9', state_dir: join(t.dir, 'state-c'), push: false, backoff_min_ms: 60_000, backoff_max_ms: 60_000, cycle_timeout_ms: 5000, watch: false };
  const refused = new AgentDaemon(config, { node: process.execPath, execArgv: [], entry: script, runArgs: [] }, () => undefined);
  assert.match((await refused.start()) ?? '', /^refusing to run the cycle from .*cycle\.js: .* is writable by others/);

  // The boundary check itself: the same script run directly (the entry check is start()'s) sends a
  // result with a negative count; then one sending 5 MB.
  const logs: string[] = [];
  const direct = new AgentDaemon(config, { node: process.execPath, execArgv: [], entry: script, runArgs: [] }, (_l, msg, f) => logs.push(`${msg} ${JSON.stringify(f)}`));
  const bad: CycleOutcome = await direct.trigger('test');
  assert.equal(bad.result, null);
  assert.match(bad.failure ?? '', /sent no valid result: invalid cycle result: \/decisions/);
  writeFileSync(script, "const b = Buffer.alloc(5 * 1024 * 1024, 32); require('node:fs').writeSync(3, b);\n");
  const big = await direct.trigger('test');
  assert.match(big.failure ?? '', /sent more than 4194304 bytes of result and was killed/);
  assert.ok(logs.some((l) => l.startsWith('cycle failed')));
  await direct.stop();
});
