// `warden server start [--data DIR] [--database URL] [--port N] [--host H]`: runs the central
// server. First start writes the bootstrap admin's password and API token and the fleet enroll
// secret to DATA/initial-credentials.json (0600; the database keeps only their hashes).
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { openStore } from '../store/open.ts';
import { buildServer } from '../app.ts';
import { createUser, issueApiToken, rotateEnrollSecret } from '../routes/access.ts';
import { ENROLL_SECRET_SETTING } from '../routes/enroll.ts';
import { newSecret } from '../auth/secrets.ts';
import { WasmPolicyEvaluator } from '../policy/wasm-evaluator.ts';
import { compileFleetPolicy } from '../policy/fleet-policy.ts';
import type { Repository } from '../store/types.ts';
import { allowListProblems } from '../integrations/target.ts';
import { rotateSigningKey } from '../../../wire/src/bundle-signing.ts';

const USAGE = `usage: warden server start [--data DIR] [--database postgres://…] [--port 8443] [--host 127.0.0.1] [--log-level info]
       warden server rotate-key [--data DIR] [--finish] [--force]
  --data       folder for the embedded SQLite database and the bundle signing key (default ./data)
  --database   postgres://user:pass@host/db to use PostgreSQL instead of the embedded database
  --no-bundles run without the bundle service (admin API and check-ins only)
  --webhook-allow  internal webhook targets to allow (comma-separated CIDRs, addresses or host names;
               also WARDEN_WEBHOOK_ALLOW); by default webhooks reach public addresses only
rotate-key: makes a new bundle signing key current and keeps the old one as
  bundle-signing.previous.key; (re)start the server (every node, with the same key files): each bundle
  is then also signed by the old key naming the new one, so agents pinning the old key switch.
  --finish     end a rotation once every agent runs the new key (deletes the previous key)
  --force      start a new rotation while one is in progress (agents still on the older key are lost)
`;

function rotateKeyCommand(args: string[]): number {
  let v;
  try {
    v = parseArgs({ args, options: { data: { type: 'string' }, finish: { type: 'boolean' }, force: { type: 'boolean' } }, strict: true }).values;
  } catch (e) {
    process.stderr.write(`warden server rotate-key: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const r = rotateSigningKey(resolve(v.data ?? 'data'), { finish: Boolean(v.finish), force: Boolean(v.force) });
    process.stdout.write(
      r.previous
        ? `bundle signing key rotated: ${r.previous} → ${r.current}. Restart the server (every node with these key files); agents switch with their next bundle. Run --finish once all have.\n`
        : `rotation finished: ${r.current} alone signs bundles; agents that did not switch keep enforcing their last bundle and must be re-installed.\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`warden server rotate-key: ${(e as Error).message}\n`);
    return 1;
  }
}

export interface Bootstrap {
  admin?: { username: string; password: string; token: string };
  enrollSecret?: string;
}

/** First start: an admin user with a random password and token, and a fleet enroll secret. */
export async function bootstrap(store: Repository, now = Date.now()): Promise<Bootstrap> {
  const out: Bootstrap = {};
  if ((await store.countUsers()) === 0) {
    const password = newSecret().slice(0, 24);
    const id = await createUser(store, 'admin', 'admin', password, now);
    const { token } = await issueApiToken(store, id, 'bootstrap', null, now);
    await store.appendAudit({ at: now, actor: 'system', action: 'user.create', target: 'user:admin', detail: { role: 'admin', bootstrap: true }, ip: '' });
    out.admin = { username: 'admin', password, token };
  }
  if ((await store.getSetting(ENROLL_SECRET_SETTING)) === null) {
    out.enrollSecret = await rotateEnrollSecret(store);
    await store.appendAudit({ at: now, actor: 'system', action: 'enroll_secret.rotate', target: 'enroll-secret', detail: { bootstrap: true }, ip: '' });
  }
  return out;
}

/** This node's lasting id (webhook delivery leases), kept in the data folder. */
function nodeId(dataDir: string): string {
  const file = join(dataDir, 'node-id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
  }
  const id = randomUUID();
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}

export default async function serverCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'rotate-key') return rotateKeyCommand(rest);
  if (sub !== 'start') {
    process.stderr.write(USAGE);
    return sub === '--help' || sub === '-h' ? 0 : 2;
  }
  let v;
  try {
    v = parseArgs({
      args: rest,
      options: { data: { type: 'string' }, database: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'log-level': { type: 'string' }, 'no-bundles': { type: 'boolean' }, 'webhook-allow': { type: 'string' } },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`warden server: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const port = Number(v.port ?? '8443');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`warden server: --port must be 0..65535\n`);
    return 2;
  }
  const dataDir = resolve(v.data ?? 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore({ dataDir, ...(v.database ? { database: v.database } : {}) });
  const boot = await bootstrap(store);
  // Written at once, so a start that fails later does not lose the only admin password.
  let firstStart = '';
  if (boot.admin || boot.enrollSecret) {
    // Not on stdout: a service manager would copy it into the system journal. Owner-only file instead.
    const file = join(dataDir, 'initial-credentials.json');
    const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
    const next = {
      ...prev,
      ...(boot.admin ? { admin_username: boot.admin.username, admin_password: boot.admin.password, admin_token: boot.admin.token } : {}),
      ...(boot.enrollSecret ? { enroll_secret: boot.enrollSecret } : {}),
    };
    writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    firstStart = `first start: admin credentials and the fleet enroll secret are in ${file} (owner-only; move them to your password manager and delete the file)\n`;
  }

  const evaluator = new WasmPolicyEvaluator(() => compileFleetPolicy());
  const allow = (v['webhook-allow'] ?? process.env.WARDEN_WEBHOOK_ALLOW ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
  const allowProblems = allowListProblems(allow);
  if (allowProblems.length > 0) {
    process.stderr.write(`warden server: --webhook-allow: ${allowProblems.join('; ')}\n`);
    await store.close();
    return 2;
  }
  const app = await buildServer({ store, evaluator, logger: { level: v['log-level'] ?? 'info' }, integrations: { allow, nodeId: nodeId(dataDir) } });
  if (!v['no-bundles']) {
    // Signed bundles and push (server/src/bundle-distribution.ts), compiled with warden's compiler.
    const { installBundleDistribution } = await import('../bundle-distribution.ts');
    const { compilerBundle, defaultPolicySources } = await import('../bundle-compile.ts');
    await installBundleDistribution(app, { dataDir, compile: compilerBundle(defaultPolicySources(), compileFleetPolicy) });
  }
  const address = await app.listen({ host: v.host ?? '127.0.0.1', port });
  const where = v.database ? v.database.replace(/\/\/[^@/]*@/, '//***@') : `${dataDir}/warden.db`;
  process.stdout.write(`${firstStart}warden server listening on ${address} (database: ${where})\n`);
  return new Promise<number>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void app
        .close()
        .then(() => store.close())
        .then(() => done(0), () => done(1));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
