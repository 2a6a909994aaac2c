// One real fleet for the tray's end-to-end tests: a warden server (SQLite in a temp folder) whose
// bundle is the fleet policy compiled once by warden's compiler and signed; a ban list that blocks
// Claude Code with the company's message, Qoder as the approved alternative and the company's
// branding; a real agent (SyncAgent + the real pipeline) scanning a temp root where alice has Claude
// Code installed; the tray's page server over that agent's public state for alice; Debian's Chromium.
// The agent runs as in production (started: push channel held, cycles on push and nudges) but its
// schedule is once a year, so no update the tests see can come from the cron cycle.
import { mkdirSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { SyncAgent } from '../../agent/src/sync/sync-agent.ts';
import { createPipeline } from '../../agent/src/sync/pipeline.ts';
import { homeOf } from '../../agent/src/inventory/materialize.ts';
import { enforceState, userPublicDir } from '../../agent/src/enforce/state.ts';
import { compilerBundle, defaultPolicySources } from '../../server/src/bundle-compile.ts';
import { compileFleetPolicy } from '../../server/src/policy/fleet-policy.ts';
import { createUser, issueApiToken } from '../../server/src/routes/access.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import { startTrayServer, type TrayServer } from '../../tray-app/src/server.ts';
import { agentConfig, applyBanList, eventually, startServer, tempDir, type TestServer } from '../sync/helpers.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'tray');

// The company's logo, inline (the only kind the branding schema takes: the endpoint fetches nothing).
const LOGO = `data:image/svg+xml;base64,${Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" rx="6" fill="#0A6E4F"/><text x="20" y="26" font-size="16" text-anchor="middle" fill="#fff" font-family="sans-serif">EC</text></svg>',
).toString('base64')}`;

export const MESSAGE = 'Claude Code is not approved at Example Corp: code may not leave the company. Use Qoder, which IT has reviewed.';

export const LIST: BanList = {
  schema: 'warden.banlist/v1',
  name: 'tray e2e',
  mode: 'enforce',
  default_action: 'allow',
  message: 'not approved',
  alternative: '',
  rules: [{ id: 'no-claude-code', action: 'block', match: { tools: ['claude-code'] }, message: MESSAGE, alternative: 'Qoder' }],
  exceptions: [],
  branding: {
    company_name: 'Example Corp',
    logo: LOGO,
    colors: { primary: '#0B3D2E', accent: '#0A6E4F' },
    support_url: 'https://help.example.com/ai-tools',
    support_label: 'IT service desk',
    alternative_links: [{ name: 'Qoder', url: 'https://qoder.example.com/get' }],
  },
};

export interface TrayFleet {
  dir: string;
  server: TestServer;
  agent: SyncAgent;
  tray: TrayServer;
  browser: Browser;
  context: BrowserContext;
  adminToken: string;
  /** alice's home under the temp root. */
  home: string;
  /** The agent's public folder for alice (by the uid owning her home). */
  userDir: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; text: string }>;
  close(): Promise<void>;
}

export async function startTrayFleet(): Promise<TrayFleet> {
  const t = tempDir('tray-e2e');
  const dataDir = join(t.dir, 'server');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  const server = await startServer({ dataDir, compile: compilerBundle(defaultPolicySources(), compileFleetPolicy) });
  const { store } = server;
  const adminToken = (await issueApiToken(store, await createUser(store, 'it-admin', 'admin', 'a long enough password', Date.now()), 'e2e', null, Date.now())).token;
  await applyBanList(server, LIST);

  // alice's Claude Code (native install): inert files, the scanner never runs them.
  const root = join(t.dir, 'root');
  const home = homeOf(root, 'linux', 'alice');
  mkdirSync(join(home, '.local/share/claude/versions'), { recursive: true });
  writeFileSync(join(home, '.local/share/claude/versions/2.0.22'), 'inert test binary\n');
  mkdirSync(join(home, '.config/claude'), { recursive: true });

  const stateDir = join(t.dir, 'agent');
  const config = agentConfig(server, stateDir, { root, os: 'linux', push: true, check_in_cron: '0 0 1 1 *' });
  const agent = new SyncAgent(config, await createPipeline(config), () => undefined);
  await agent.ensureEnrolled();
  // One cycle first, so the push channel's hello (naming the bundle the agent now has) starts none:
  // every later cycle is one a test asked for or one the server's push explains.
  await agent.trigger('fixture');
  await agent.start();
  await eventually(async () => server.dist.hub.connected === 1, 'the agent holds its push connection');

  const state = enforceState(stateDir);
  // The employee's folder is keyed by the uid owning her home (kernel facts, not names).
  const userDir = userPublicDir(state, String(lstatSync(home).uid));
  const tray = await startTrayServer({ userDir, machineDir: state.machineDir, trayStateDir: join(t.dir, 'alice-tray') });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tray.base.replace(/\/$/, '') });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, text };
  };
  return {
    dir: t.dir,
    server,
    agent,
    tray,
    browser,
    context,
    adminToken,
    home,
    userDir,
    api,
    close: async () => {
      await browser.close();
      await tray.close();
      await agent.stop();
      await server.close();
      t.cleanup();
    },
  };
}
