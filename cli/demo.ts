// `warden demo` — what `npm start` runs: the fleet of one on the embedded default (see demo-fleet.ts).
// Prints where the server listens, the demo admin's credentials, what the agent found, decided and
// did, and what the server's compliance report says; then keeps server and agent running (push,
// scheduled check-ins) until Ctrl-C, which stops both cleanly.
import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { runDemo, type DemoRun } from './demo-fleet.ts';
import { formatInventory } from '../agent/src/inventory/command.ts';
import { jsonLog } from '../agent/src/sync/sync-agent.ts';

const USAGE = `usage: warden demo [--port 8420] [--data .data/demo] [--verbose]
  Runs server + agent on 127.0.0.1 with SQLite and a generated demo root (never your home).
`;

export function formatDemo(d: DemoRun): string {
  const rel = (p: string): string => relative(process.cwd(), p) || '.';
  const c = d.cycle;
  const out: string[] = [];
  out.push('warden — the fleet of one');
  out.push(`  server     ${d.url}   (SQLite: ${rel(d.dataDir)}/server/warden.db; API docs ${d.url}/api/openapi.json)`);
  out.push(`  console    ${d.url}/console/   sign in as ${d.admin.username} / ${d.admin.password}`);
  out.push(`  admin      ${d.admin.username} / ${d.admin.password}   API token: ${d.admin.token}`);
  out.push(`  enrollment fleet enroll secret ${d.enrollSecret}`);
  out.push(
    d.bundle
      ? `  policy     policies/warden.rego + policies/examples/ban-claude-code.json → bundle ${d.bundle.revision}, signed ${d.bundle.keyId}`
      : `  policy     NO BUNDLE: ${d.bundleError ?? 'not built'} — the agent scans and reports, but has no policy to decide with`,
  );
  out.push(`  agent      device ${d.deviceId}, demo root ${rel(d.root)} (fake installs; your home is never read)`);
  out.push(`  tray       ${d.trayUrl}   what the demo root's employees see: notices, exception requests, what warden checks`);
  out.push('');
  out.push('Found:');
  out.push(c.inventory ? formatInventory(c.inventory).trimEnd().replace(/^/gm, '  ') : '  (no scan)');
  out.push('');
  out.push('Decided:');
  if (c.decisions.length === 0) out.push('  (nothing: no verified bundle to decide with)');
  for (const x of c.decisions) {
    out.push(`  ${x.finding.padEnd(40)} ${x.action.padEnd(10)} ${x.rule ? `rule ${x.rule}` : 'default'}${x.monitor ? ' (monitor)' : ''}${x.action !== 'allow' ? ` — ${x.message}` : ''}`);
  }
  out.push('');
  out.push('Did:');
  const acted = c.actions.filter((a) => a.action !== 'allow');
  if (acted.length === 0) out.push('  (nothing)');
  for (const a of acted) for (const s of a.steps) out.push(`  ${a.tool.padEnd(22)} ${s}`);
  out.push(`  ${c.events.length} event(s) recorded and uploaded; ${c.queued} still queued`);
  out.push('');
  const nc = (d.report.noncompliant as { rows?: unknown[]; error?: string } | null) ?? {};
  const ev = (d.report.events as { events?: unknown[] } | null)?.events ?? [];
  out.push(`Server: ${ev.length} event(s) stored for this device; noncompliant-devices report: ${nc.error ? `unavailable (${nc.error})` : `${nc.rows?.length ?? 0} row(s)`}`);
  for (const r of (nc.rows ?? []).slice(0, 10)) out.push(`  ${JSON.stringify(r)}`);
  out.push(`  e.g. curl -H 'authorization: Bearer ${d.admin.token}' '${d.url}/api/v1/reports/inventory-by-tool?format=csv'`);
  out.push('');
  out.push('Server and agent keep running (push + check-in every minute). Ctrl-C stops both.');
  return `${out.join('\n')}\n`;
}

export default async function demo(args: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({ args, options: { port: { type: 'string' }, data: { type: 'string' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (e) {
    process.stderr.write(`warden demo: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (v.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stdout.write('warden demo: starting the server, compiling the policy, enrolling the agent…\n');
  let d: DemoRun;
  try {
    d = await runDemo({
      ...(v.port !== undefined ? { port: Number(v.port) } : {}),
      ...(v.data ? { dataDir: v.data } : {}),
      ...(v.verbose ? { log: jsonLog } : {}),
    });
  } catch (e) {
    process.stderr.write(`warden demo failed: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(formatDemo(d));
  d.agent.onCycle((r) => {
    if (r.bundle?.changed || r.events.length || r.error) {
      process.stdout.write(`[${new Date().toISOString()}] agent cycle (${r.trigger}): bundle ${r.bundle?.revision ?? '-'}${r.bundle?.error ? ` REFUSED: ${r.bundle.error}` : ''}, ${r.decisions.length} decision(s), ${r.events.length} event(s)${r.error ? `, error: ${r.error}` : ''}\n`);
    }
  });
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write('\nwarden demo: stopping agent and server…\n');
  await d.stop();
  process.stdout.write('stopped.\n');
  return 0;
}
