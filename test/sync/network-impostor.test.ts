// Network impostor (issue 10, items 3 and 4): whatever answers at the server address controls every
// reply. A real server enrolls a real agent that quarantines Claude Code under the real compiled
// policy; then the server goes and a plain node http server takes its port and does what an attacker
// does: 401 to everything, its own enrollment challenge and credential, its own signed bundles
// (allow-all with a huge sequence, and one naming its own key as the next key), and a relay of the
// real server's challenge. The agent keeps its pinned key and credential, keeps enforcing the last good
// bundle (a reinstalled Claude Code is quarantined again), never applies an impostor bundle, and never
// sends the enroll secret where it can be read. Agents restarted with no enroll secret — even with
// the credential gone, as an earlier release left it — start and enforce; so does `warden-agent run --once`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { compilerBundle } from '../../server/src/bundle-compile.ts';
import { createDemoRoot } from '../../agent/src/demo-root.ts';
import { SyncAgent, type LogFn } from '../../agent/src/sync/sync-agent.ts';
import { createPipeline } from '../../agent/src/sync/pipeline.ts';
import { packBundle, unpackBundle } from '../../wire/src/bundle-archive.ts';
import { SIGNATURES_FILE, generateSigningKey, keyIdOf, signBundle } from '../../wire/src/bundle-signing.ts';
import { withOrder } from '../../wire/src/bundle-order.ts';
import { EnrollSealError, answerChallenge, openRequest, type SealedMessage } from '../../wire/src/enroll-seal.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import type { AgentConfig } from '../../wire/src/config.ts';
import { agentConfig, applyBanList, eventually, startServer, tempDir, type TestServer } from './helpers.ts';

const banClaude = JSON.parse(readFileSync('policies/examples/ban-claude-code.json', 'utf8')) as BanList;

interface Seen {
  method: string;
  url: string;
  body: string;
  auth: string;
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => Promise<void> | void;

/** A plain node http server on `port` that records every request and answers with `handler`. */
async function impostor(port: number): Promise<{ seen: Seen[]; set(h: Handler): void; close(): Promise<void> }> {
  const seen: Seen[] = [];
  let handler: Handler = (_req, _body, res) => void res.writeHead(500).end();
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, auth: String(req.headers.authorization ?? '') });
      void Promise.resolve(handler(req, body, res)).catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((ok, fail) => {
    srv.once('error', fail);
    srv.listen(port, '127.0.0.1', () => ok());
  });
  return {
    seen,
    set: (h) => (handler = h),
    close: () => new Promise<void>((ok) => srv.close(() => ok())),
  };
}

const json = (res: ServerResponse, status: number, v: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
const answer401: Handler = (_req, _body, res) => json(res, 401, { error: 'unauthorized', message: 'a device credential is required' });

const NPM_CLAUDE = 'usr/local/lib/node_modules/@anthropic-ai/claude-code';
/** What an employee does after a quarantine: installs Claude Code again. */
function reinstall(root: string): void {
  mkdirSync(join(root, NPM_CLAUDE), { recursive: true });
  writeFileSync(join(root, NPM_CLAUDE, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.0.15' }));
  writeFileSync(join(root, NPM_CLAUDE, 'cli.js'), '// reinstalled\n');
}

const read = (p: string): string => readFileSync(p, 'utf8');

/**
 * A real agent process, run without blocking this one: the impostor answers from this process's
 * event loop (a spawnSync here froze it, and with it the keep-alive timers of both ends).
 */
function runAgent(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, ['bin/warden-agent.js', ...args], { env, timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.once('error', fail);
    p.once('close', (status) => ok({ status, stdout, stderr }));
  });
}

test('network impostor: 401s, a foreign key, foreign bundles and a relay cannot take the agent; enforcement never stops', { timeout: 300_000 }, async () => {
  const t = tempDir('impostor');
  const root = join(t.dir, 'root');
  const state = join(t.dir, 'state');
  mkdirSync(root);
  createDemoRoot(root, 'linux');
  const dataDir = join(t.dir, 'server');
  let real: TestServer | null = await startServer({ dataDir, compile: compilerBundle() });
  const port = real.port;
  const secret = real.enrollSecret;
  const logs: string[] = [];
  const log: LogFn = (level, msg, fields) => void logs.push(JSON.stringify({ level, msg, ...fields }));
  const agents: SyncAgent[] = [];
  const newAgent = async (cfg: AgentConfig): Promise<SyncAgent> => {
    const a = new SyncAgent(cfg, await createPipeline(cfg), log);
    agents.push(a);
    return a;
  };
  const base = (extra: Partial<AgentConfig> = {}): AgentConfig => ({ ...agentConfig({ url: `http://127.0.0.1:${port}`, enrollSecret: secret }, state), root, os: 'linux', push: false, ...extra });
  let fake: Awaited<ReturnType<typeof impostor>> | null = null;
  let relayTarget: TestServer | null = null;
  try {
    // --- the legitimate path: enroll, get the compiled + signed ban, quarantine Claude Code
    await applyBanList(real, banClaude);
    const good = await eventually(async () => real?.dist.bundles.current()?.revision.startsWith('1.') && real.dist.bundles.current(), 'compiled bundle', 120_000);
    const agent = await newAgent(base());
    const first = await agent.trigger('first');
    assert.equal(first.error, null, first.error ?? '');
    assert.equal(first.bundle?.revision, good.revision);
    assert.ok(first.decisions.some((d) => d.tool === 'claude-code' && d.action === 'quarantine'));
    assert.ok(!existsSync(join(root, NPM_CLAUDE)), 'the npm install was quarantined');
    const pinFile = join(state, 'bundle-key.json');
    const credFile = join(state, 'credential.json');
    const bundleFile = join(state, 'bundle.tar.gz');
    const pin0 = read(pinFile);
    const cred0 = read(credFile);
    const bundle0 = readFileSync(bundleFile);
    const realKeyId = keyIdOf(real.dist.bundles.publicKeyPem);
    assert.equal((JSON.parse(pin0) as { key_id: string }).key_id, realKeyId);
    assert.ok(!cred0.includes('BEGIN PUBLIC KEY'), 'the key is not kept inside the credential');
    const unsigned = await unpackBundle(real.dist.bundles.current()?.archive as Buffer);
    unsigned.delete(SIGNATURES_FILE);
    await real.close();
    real = null;

    // --- 1. every request answers 401 (issue item 3/4: the agent used to delete its credential and key)
    fake = await impostor(port);
    fake.set(answer401);
    reinstall(root);
    const r401 = await agent.trigger('after-401');
    assert.match(r401.error ?? '', /401/);
    assert.equal(read(pinFile), pin0, 'pinned key kept');
    assert.equal(read(credFile), cred0, 'credential kept (never deleted on a 401)');
    assert.ok(readFileSync(bundleFile).equals(bundle0), 'last good bundle kept');
    assert.ok(agent.refused);
    assert.ok(r401.decisions.some((d) => d.tool === 'claude-code' && d.action === 'quarantine'), 'decisions still come from the last good bundle');
    assert.ok(!existsSync(join(root, NPM_CLAUDE)), 'the reinstalled Claude Code was quarantined again while the server refused the credential');
    const status = JSON.parse(read(join(state, 'public/machine/sync-status.json'))) as { state: string; message: string; bundle_revision: string };
    assert.equal(status.state, 'credential_refused');
    assert.match(status.message, /credential refused by the server .*still enforcing the last good bundle/);
    assert.equal(status.bundle_revision, good.revision);
    assert.ok(logs.some((l) => /credential refused by the server/.test(l)));
    // The next cycle tries a sealed re-enrollment: the 401 to the challenge ends it; no secret sent.
    await agent.trigger('retry-401');
    assert.ok(fake.seen.some((s) => s.url === '/api/v1/enroll/challenge'));

    // --- 2. the impostor proves its own key, not the pinned one
    const evil = generateSigningKey();
    fake.set((req, body, res) => {
      if (req.url === '/api/v1/enroll/challenge') return json(res, 200, answerChallenge((JSON.parse(body) as { nonce: string }).nonce, [evil]));
      if (req.url === '/api/v1/enroll') return json(res, 200, { device_id: 'evil-device', credential: 'evil-credential', reenrolled: false });
      if (req.url === '/api/v1/bundles/public-key') return void res.writeHead(200).end(evil.publicKeyPem);
      return answer401(req, body, res);
    });
    reinstall(root);
    const rEvil = await agent.trigger('impostor-challenge');
    assert.match(rEvil.error ?? '', /did not prove the pinned bundle key/);
    assert.ok(!fake.seen.some((s) => s.url === '/api/v1/enroll/sealed' || s.url === '/api/v1/enroll'), 'no enrollment request went to a server that did not prove the pinned key');
    assert.equal(read(pinFile), pin0);
    assert.equal(read(credFile), cred0);
    assert.ok(!existsSync(join(root, NPM_CLAUDE)), 'still enforcing');
    assert.equal((JSON.parse(read(join(state, 'public/machine/sync-status.json'))) as { state: string }).state, 'server_unproven');

    // --- 3. a restarted agent without the enroll secret, against an impostor that accepts any
    // credential and serves its own bundles: an allow-all one with a huge sequence, and a "rotation"
    // to its own key that the pinned key did not sign.
    const allowAll = new Map(unsigned);
    allowAll.set('data.json', Buffer.from(JSON.stringify({ ...(JSON.parse((unsigned.get('data.json') as Buffer).toString('utf8')) as Record<string, unknown>), rules: [], revision: 'evil' })));
    const evilBundles = [
      packBundle(signBundle(withOrder(allowAll, { seq: 1_000_000, nextKey: null }), evil)),
      packBundle(signBundle(withOrder(allowAll, { seq: 1_000_001, nextKey: evil.publicKeyPem }), evil)),
    ];
    let served = 0;
    fake.set((req, body, res) => {
      if (req.url?.startsWith('/api/v1/bundles/warden')) {
        const b = evilBundles[served++ % evilBundles.length] as Buffer;
        return void res.writeHead(200, { etag: `"evil-${served}"`, 'content-type': 'application/gzip' }).end(b);
      }
      if (req.url === '/api/v1/agent/memberships') return json(res, 200, { nope: true });
      if (req.method === 'POST') return json(res, 200, { bundle_revision: 'evil', bundle_etag: '"evil"' });
      return answer401(req, body, res);
    });
    await agent.stop();
    const { enroll_secret: _dropped, ...noSecret } = base();
    const restarted = await newAgent(noSecret);
    await restarted.start(); // no secret, no server it can trust: starts on the last good bundle
    reinstall(root);
    const rA = await restarted.trigger('impostor-bundle');
    assert.match(rA.bundle?.error ?? '', /signed with key 'ed25519:[0-9a-f]+', not the pinned key/);
    reinstall(root);
    const rB = await restarted.trigger('impostor-rotation');
    assert.match(rB.bundle?.error ?? '', /not the pinned key/);
    assert.equal(restarted.activeBundle()?.revision, good.revision, 'the impostor bundles were never applied');
    assert.ok(rB.decisions.some((d) => d.tool === 'claude-code' && d.action === 'quarantine'));
    assert.ok(!existsSync(join(root, NPM_CLAUDE)), 'still enforcing the last good bundle');
    assert.equal(read(pinFile), pin0, 'an unsigned-by-the-pinned-key rotation changes nothing');
    assert.ok(readFileSync(bundleFile).equals(bundle0));
    await restarted.stop();

    // --- 4. an agent of an earlier release deleted its credential on a 401: with no secret it still
    // starts and enforces from the state folder, as a real process (`warden-agent run --once`).
    rmSync(credFile);
    fake.set(answer401);
    reinstall(root);
    const env = { ...process.env };
    delete env.WARDEN_ENROLL_SECRET;
    const once = await runAgent(['run', '--server', `http://127.0.0.1:${port}`, '--state', state, '--root', root, '--os', 'linux', '--no-push', '--once'], env);
    assert.equal(once.status, 1, `exit 1: the server part failed\n${once.stderr}`);
    const out = JSON.parse(once.stdout) as { bundle: { revision: string }; decisions: { tool: string; action: string }[]; error: string };
    assert.equal(out.bundle.revision, good.revision);
    assert.match(out.error, /not enrolled and no enroll secret/);
    assert.ok(out.decisions.some((d) => d.tool === 'claude-code' && d.action === 'quarantine'));
    assert.ok(!existsSync(join(root, NPM_CLAUDE)), 'the real process enforced without a server, a credential or a secret');
    assert.equal(read(pinFile), pin0);

    // --- 5. a relay: the impostor forwards the real server's (genuinely signed) challenge. The agent
    // seals its request to the real server's key; the impostor cannot read it, and an answer it
    // makes up is refused. Forwarding the sealed request too only enrolls the device with the real
    // server: the credential comes back sealed, unreadable on the way.
    relayTarget = await startServer({ dataDir, compile: compilerBundle(), enrollSecret: secret });
    const upstream = relayTarget.url;
    let sealed: SealedMessage | null = null;
    let forwardSealed = false;
    fake.set(async (req, body, res) => {
      if (req.url === '/api/v1/enroll/challenge' || (req.url === '/api/v1/enroll/sealed' && forwardSealed)) {
        const r = await fetch(`${upstream}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (req.url === '/api/v1/enroll/sealed') sealed = JSON.parse(body) as SealedMessage;
        return void res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
      }
      if (req.url === '/api/v1/enroll/sealed') {
        sealed = JSON.parse(body) as SealedMessage;
        return json(res, 200, { nonce: sealed.nonce, iv: 'AAAAAAAAAAAAAAAA', data: 'made-up-by-the-impostor-0000000000000000' });
      }
      return answer401(req, body, res);
    });
    const relayed = await newAgent(base());
    reinstall(root);
    const rR = await relayed.trigger('relay');
    assert.match(rR.error ?? '', /does not authenticate/);
    assert.ok(sealed, 'the agent sealed its request to the proven key');
    const captured = sealed as SealedMessage;
    assert.ok(!JSON.stringify(captured).includes(secret), 'the enroll secret is not readable in what the impostor received');
    assert.throws(() => openRequest(evil, captured), EnrollSealError, 'the impostor cannot open it with any key of its own');
    assert.ok(!existsSync(credFile), 'no credential from a made-up answer');
    assert.ok(!existsSync(join(root, NPM_CLAUDE)), 'still enforcing during the relay');
    forwardSealed = true;
    const rOk = await relayed.trigger('relay-forwarded');
    assert.ok(existsSync(credFile), `re-enrolled through the relay with the real server (${rOk.error ?? ''})`);
    const cred = JSON.parse(read(credFile)) as { credential: string; device_id: string };
    assert.ok(!fake.seen.some((s) => s.body.includes(secret) || s.body.includes(cred.credential)), 'neither the secret nor the new credential crossed the relay in the clear');
    const direct = await fetch(`${upstream}/api/v1/agent/status`, { method: 'POST', headers: { authorization: `Bearer ${cred.credential}`, 'content-type': 'application/json' }, body: JSON.stringify({ bundle_revision: null, agent_version: 't', errors: [], queue_length: 0, last_scan_at: null }) });
    assert.equal(direct.status, 200, 'the credential is one the real server issued');
    assert.equal(read(pinFile), pin0);

    // Nothing the impostor saw ever held the enroll secret.
    assert.ok(!fake.seen.some((s) => s.body.includes(secret) || s.auth.includes(secret)));
    assert.ok(!logs.some((l) => l.includes(secret)), 'the secret is never logged');
  } finally {
    for (const a of agents) await a.stop();
    await fake?.close();
    await real?.close();
    await relayTarget?.close();
    t.cleanup();
  }
});
