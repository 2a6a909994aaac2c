// Idle RSS of the real agent daemon (`warden-agent run`, as the service unit starts it) against a
// real warden server on loopback with the compiled, signed policy: once the agent has enrolled,
// applied the bundle (opa-wasm instance loaded), scanned a demo root and reported, it sits idle
// until the next check-in; its VmRSS is sampled then. Compared: the bundled plain-node agent
// (build/warden-agent.mjs, rebuilt first) and the tsx + TypeScript sources fallback. Goal ≤ 80 MB.
// Usage: node --import tsx bench/agent-idle.ts [--idle-seconds 8] [--variants bundled,source] [--flags '--lite-mode']
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDemoRoot } from '../agent/src/demo-root.ts';
import { NODE_FLAGS } from '../agent/src/service/definitions.ts';
import { compilerBundle, defaultPolicySources } from '../server/src/bundle-compile.ts';
import { compile, formatDiagnostic } from '../compiler/src/index.ts';
import type { BanList } from '../wire/src/banlist.ts';
import { applyBanList, eventually, startServer, tempDir } from '../test/sync/helpers.ts';

const { values } = parseArgs({ options: { 'idle-seconds': { type: 'string', default: '8' }, variants: { type: 'string', default: 'bundled,source' }, flags: { type: 'string', default: '' } } });
const VARIANTS = values.variants.split(',');
/** Extra V8 flags to try on top of the service's (e.g. --flags=--lite-mode). */
const EXTRA_FLAGS = values.flags ? values.flags.split(' ') : [];
const IDLE_MS = Number(values['idle-seconds']) * 1000;
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const say = (s: string): void => void process.stdout.write(`${s}\n`);

const b = spawnSync(process.execPath, ['scripts/build-agent.js'], { encoding: 'utf8' });
if (b.status !== 0) throw new Error(`agent bundle build failed: ${b.stderr}`);
say(b.stdout.trim());

// Compiled here first (not lazily by the server) so a policy that does not compile fails loudly.
const sources = defaultPolicySources();
const tc = performance.now();
const compiled = await compile({ modules: sources.modules, entrypoints: sources.entrypoints });
if (!compiled.wasm) throw new Error(`policy does not compile: ${compiled.diagnostics.slice(0, 3).map(formatDiagnostic).join('; ')}`);
const wasm = Buffer.from(compiled.wasm);
say(`policy compiled in ${(performance.now() - tc).toFixed(0)} ms (${wasm.length} bytes of WASM)`);

const t = tempDir('bench-agent-idle');
const server = await startServer({ dataDir: join(t.dir, 'server'), compile: compilerBundle(sources, async () => wasm) });
try {
  await applyBanList(server, JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList);
  const bundle = await eventually(async () => server.dist.bundles.current()?.revision.startsWith('1.') && server.dist.bundles.current(), 'compiled bundle', 300_000);
  say(`server on ${server.url} serves signed bundle ${bundle.revision}`);
  const all: Record<string, [string, NodeJS.ProcessEnv]> = {
    bundled: ['bundled build/warden-agent.mjs, plain node', {}],
    source: ['tsx + TypeScript sources (WARDEN_AGENT_FROM_SOURCE=1)', { WARDEN_AGENT_FROM_SOURCE: '1' }],
  };
  const modes = VARIANTS.map((v) => all[v] ?? (() => { throw new Error(`unknown variant '${v}' (bundled, source)`); })());
  for (const [i, [label, env]] of modes.entries()) {
    const root = join(t.dir, `root${i}`);
    mkdirSync(root);
    createDemoRoot(root, 'linux');
    const flags = [...NODE_FLAGS, ...EXTRA_FLAGS];
    const args = [...flags, 'bin/warden-agent.js', 'run', '--server', server.url, '--state', join(t.dir, `state${i}`), '--root', root, '--os', 'linux', '--cron', '0 0 1 1 *'];
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env, WARDEN_ENROLL_SECRET: server.enrollSecret }, stdio: ['ignore', 'ignore', 'pipe'] });
    let logs = '';
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    try {
      const t0 = performance.now();
      await eventually(async () => (await server.store.listDevices()).length === i + 1 && (await server.store.listDevices()).every((d) => d.bundleRevision === bundle.revision), 'the agent reports the applied revision', 120_000);
      const ready = performance.now() - t0;
      const samples: number[] = [];
      for (let s = 0; s < IDLE_MS; s += 500) {
        await new Promise((r) => setTimeout(r, 500));
        samples.push(rssMb(child.pid!));
      }
      say(`\n[${label}]  node ${flags.join(' ')} bin/warden-agent.js run …`);
      say(`enrolled + bundle applied + demo root scanned/enforced + reported in ${ready.toFixed(0)} ms`);
      say(`idle RSS over ${IDLE_MS / 1000} s: last ${samples.at(-1)!.toFixed(1)} MB, min ${Math.min(...samples).toFixed(1)} MB, max ${Math.max(...samples).toFixed(1)} MB   (goal ≤ 80 MB)`);
    } catch (e) {
      say(`[${label}] failed: ${(e as Error).message}\n${logs}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
} finally {
  await server.close();
  t.cleanup();
}
