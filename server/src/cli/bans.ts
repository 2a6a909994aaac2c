// `warden bans diff <file>` and `warden bans apply <file> --why "…"`: for IT teams that keep the ban
// list in git. diff shows the entry changes and the impact preview; apply publishes (compare-and-set
// on the revision diff saw when --expect-revision is given).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { draftProblems } from '../banlist/service.ts';
import { AdminCliError, adminClient } from './admin-client.ts';

const USAGE = `usage:
  warden bans diff <file.json> [--server URL] [--token-file FILE] [--json]
  warden bans apply <file.json> --why "reason" [--expect-revision N] [--server URL] [--token-file FILE]
(the token comes from WARDEN_TOKEN or --token-file; the server from WARDEN_SERVER or --server)
`;

interface Change { op: string; id: string }
interface Impact { devices_evaluated: number; devices_changed: number; findings_changed: number; changes: { hostname: string; tool: string; from: string; to: string }[]; truncated: boolean }

function readList(file: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AdminCliError(`${file}: ${(e as Error).message}`);
  }
  const problems = draftProblems(doc);
  if (problems.length > 0) throw new AdminCliError(`${file}: not a valid ban list:\n  ${problems.slice(0, 10).join('\n  ')}`);
  return doc;
}

/** Entry ids as IT reads them: '@list' holds the list's own settings, '@exception:x' a file exception. */
function label(id: string): string {
  if (id === '@list') return 'list settings (name, mode, default action, message, alternative)';
  if (id.startsWith('@exception:')) return `exception ${id.slice('@exception:'.length)}`;
  return `rule ${id}`;
}

export function formatDiff(r: { revision: string; changes: Change[]; impact: Impact | null; impact_error: string | null }): string {
  const lines = [`ban list revision ${r.revision}: ${r.changes.length === 0 ? 'no changes' : `${r.changes.length} change(s)`}`];
  for (const c of r.changes) lines.push(`  ${c.op === 'create' ? '+' : c.op === 'delete' ? '-' : '~'} ${label(c.id)}`);
  if (r.impact) {
    const i = r.impact;
    lines.push(`impact: ${i.devices_changed} of ${i.devices_evaluated} device(s) change, ${i.findings_changed} finding(s)`);
    for (const c of i.changes.slice(0, 50)) lines.push(`  ${c.hostname}: ${c.tool} ${c.from} → ${c.to}`);
    if (i.changes.length > 50 || i.truncated) lines.push('  …');
  } else if (r.impact_error) lines.push(`impact: not available (${r.impact_error})`);
  return `${lines.join('\n')}\n`;
}

export default async function bansCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    const { values: v, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { server: { type: 'string' }, 'token-file': { type: 'string' }, why: { type: 'string' }, 'expect-revision': { type: 'string' }, json: { type: 'boolean' } } });
    const file = positionals[0];
    if ((sub !== 'diff' && sub !== 'apply') || !file || positionals.length > 1) {
      process.stderr.write(USAGE);
      return 2;
    }
    const list = readList(file);
    const api = adminClient({ server: v.server, tokenFile: v['token-file'] });
    if (sub === 'diff') {
      const r = (await api.request('POST', '/api/v1/bans/diff', { list })).json() as Parameters<typeof formatDiff>[0];
      process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : formatDiff(r));
      return 0;
    }
    if (!v.why || v.why.trim().length < 3) throw new AdminCliError('apply needs --why "reason" (it goes into the audit log and the entry history)');
    const body: Record<string, unknown> = { list, why: v.why };
    if (v['expect-revision'] !== undefined) {
      const n = Number(v['expect-revision']);
      if (!Number.isInteger(n) || n < 0) throw new AdminCliError('--expect-revision must be a whole number');
      body.expect_revision = n;
    }
    const r = (await api.request('PUT', '/api/v1/bans', body)).json() as { revision: string; changes: Change[]; bundle: { state: string; seq?: number; error?: string } | null };
    process.stdout.write(`applied: ${r.changes.length} change(s); ban list revision now ${r.revision}\n`);
    for (const c of r.changes) process.stdout.write(`  ${c.op} ${label(c.id)}\n`);
    if (r.bundle?.state === 'failed') {
      // Stored, but agents still run the previous bundle: say so and fail (GET /api/v1/rollout has the state).
      process.stderr.write(`warden bans: the change is stored but its bundle failed to build, agents keep the previous bundle: ${r.bundle.error ?? 'unknown error'}\n`);
      return 1;
    }
    if (r.bundle) process.stdout.write(`bundle ${r.bundle.seq ?? ''} published\n`);
    return 0;
  } catch (e) {
    if (e instanceof AdminCliError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`warden bans: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
