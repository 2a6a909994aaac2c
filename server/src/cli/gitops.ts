// `warden gitops plan|apply <dir>`: the ban list, exceptions, hand-kept groups and webhooks as files in a repo.
//   <dir>/bans.json      a ban list document (policies/README.md); its exceptions must be empty when
//                        exceptions.json exists
//   <dir>/exceptions.json { "exceptions": [ { "id": "…", "tool": "cursor", "user": "alice", "expires": "2027-01-31T00:00:00Z", "reason": "…" } ] }
//   <dir>/groups.json    { "groups": [ { "kind": "device", "name": "build machines", "rule": {…} }, … ] }
//   <dir>/webhooks.json  { "webhooks": [ { "name": "soc", "url": "https://…", "events": ["enforcement.*"] } ] }
// A file that is absent leaves its part of the server alone. plan (= apply --dry-run) shows the
// changes, the ban list's fleet impact, the exceptions gitops leaves alone (approved from requests, or
// not created by gitops) and anything edited by hand since the last apply; apply
// refuses when something was, unless --force. New webhooks' signing secrets go to --secrets-out.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { PolicyException } from '../../../wire/src/banlist.ts';
import { check } from '../../../wire/src/validate.ts';
import { parseArgs } from 'node:util';
import { AdminCliError, adminClient } from './admin-client.ts';
import { formatDiff } from './bans.ts';

const USAGE = `usage:
  warden gitops plan <dir> [--json] [--detailed-exitcode]
  warden gitops apply <dir> --why "reason" [--dry-run] [--force] [--secrets-out FILE] [--json]
(<dir> holds bans.json, exceptions.json, groups.json, webhooks.json — each optional; token from WARDEN_TOKEN or
--token-file, server from WARDEN_SERVER or --server; --detailed-exitcode: exit 2 when there are changes)
`;

interface Change { op: string; key: string }
type Changes = Partial<Record<'bans' | 'exceptions' | 'groups' | 'webhooks', Change[]>>;
interface Unmanaged { id: string; tool: string; user?: string; device?: string; expires: string; source: string }
interface PlanReply { changes: Changes; impact: Parameters<typeof formatDiff>[0]['impact']; impact_error: string | null; drift: { section: string; changes: Change[] }[]; unmanaged?: Unmanaged[] | null; last_apply: { at: string; by: string; why: string } | null }

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AdminCliError(`${file}: ${(e as Error).message}`);
  }
}

/** The documents in the folder, as the API takes them. */
export function readFolder(dir: string): Record<string, unknown> {
  if (!existsSync(dir)) throw new AdminCliError(`${dir}: no such folder`);
  const out: Record<string, unknown> = {};
  const bans = join(dir, 'bans.json');
  if (existsSync(bans)) out.bans = readJson(bans);
  const exc = join(dir, 'exceptions.json');
  if (existsSync(exc)) {
    // Checked here so that a mistake names the file and the JSON path (and nothing is sent).
    const doc = readJson(exc) as Record<string, unknown> | unknown[];
    const list = Array.isArray(doc) ? doc : doc.exceptions;
    if (!Array.isArray(list)) throw new AdminCliError(`${exc}: expected { "exceptions": [ … ] }`);
    const issues = check(Type.Array(PolicyException), list);
    if (issues.length > 0) throw new AdminCliError(`${exc}: ${issues.slice(0, 5).map((i) => `$.exceptions${i.replace(/^\/(\d+)/, '[$1]').replace(/\//g, '.').replace(/^\(root\)/, '')}`).join('; ')}`);
    out.exceptions = list;
  }
  for (const name of ['groups', 'webhooks'] as const) {
    const f = join(dir, `${name}.json`);
    if (!existsSync(f)) continue;
    const doc = readJson(f) as Record<string, unknown> | unknown[];
    const list = Array.isArray(doc) ? doc : doc[name];
    if (!Array.isArray(list)) throw new AdminCliError(`${f}: expected { "${name}": [ … ] }`);
    out[name] = list;
  }
  if (Object.keys(out).length === 0) throw new AdminCliError(`${dir}: none of bans.json, exceptions.json, groups.json, webhooks.json is there`);
  return out;
}

const sign = (op: string): string => (op === 'create' ? '+' : op === 'delete' ? '-' : '~');

export function formatPlan(r: PlanReply): string {
  const lines: string[] = [];
  for (const [section, changes] of Object.entries(r.changes)) {
    lines.push(`${section}: ${changes.length === 0 ? 'no changes' : `${changes.length} change(s)`}`);
    for (const c of changes) lines.push(`  ${sign(c.op)} ${c.key}`);
  }
  if (r.impact) {
    const i = r.impact;
    lines.push(`fleet impact of the ban list: ${i.devices_changed} of ${i.devices_evaluated} device(s) change, ${i.findings_changed} finding(s)`);
    for (const c of i.changes.slice(0, 50)) lines.push(`  ${c.hostname}: ${c.tool} ${c.from} → ${c.to}`);
    if (i.changes.length > 50 || i.truncated) lines.push('  …');
  } else if (r.impact_error) lines.push(`fleet impact: not available (${r.impact_error})`);
  if (r.unmanaged && r.unmanaged.length > 0) {
    lines.push(`exceptions not managed by gitops (left alone): ${r.unmanaged.length}`);
    for (const e of r.unmanaged) lines.push(`  = exception ${e.id}: ${e.tool} for ${[e.user && `user ${e.user}`, e.device && `device ${e.device}`].filter(Boolean).join(', ')} until ${e.expires} (${e.source})`);
  }
  if (r.drift.length > 0) {
    lines.push(`changed on the server since the last apply${r.last_apply ? ` (${r.last_apply.by}, ${r.last_apply.at})` : ''} — apply refuses without --force:`);
    for (const d of r.drift) for (const c of d.changes) lines.push(`  ${d.section}: ${sign(c.op)} ${c.key}`);
  }
  return `${lines.join('\n')}\n`;
}

export default async function gitopsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    const { values: v, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { server: { type: 'string' }, 'token-file': { type: 'string' }, why: { type: 'string' }, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, force: { type: 'boolean' }, 'secrets-out': { type: 'string' }, 'detailed-exitcode': { type: 'boolean' } },
    });
    const dir = positionals[0];
    if ((sub !== 'plan' && sub !== 'apply') || !dir || positionals.length > 1) {
      process.stderr.write(USAGE);
      return 2;
    }
    const docs = readFolder(dir);
    const api = adminClient({ server: v.server, tokenFile: v['token-file'] });
    if (sub === 'plan' || v['dry-run']) {
      const r = (await api.request('POST', '/api/v1/gitops/plan', docs)).json() as PlanReply;
      process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : formatPlan(r));
      const changed = Object.values(r.changes).some((c) => c.length > 0);
      return v['detailed-exitcode'] && changed ? 2 : 0;
    }
    if (!v.why || v.why.trim().length < 3) throw new AdminCliError('apply needs --why "reason" (it goes into the audit log and every entry\'s history)');
    const r = (await api.request('POST', '/api/v1/gitops/apply', { ...docs, why: v.why, ...(v.force ? { force: true } : {}) })).json() as { changes: Changes; secrets: { name: string; secret: string }[]; bundle: { state: string; error?: string } | null; overwrote: unknown[] };
    if (v.json) process.stdout.write(`${JSON.stringify({ ...r, secrets: r.secrets.map((s) => ({ name: s.name })) }, null, 2)}\n`);
    else {
      const n = Object.values(r.changes).reduce((a, c) => a + c.length, 0);
      process.stdout.write(`applied: ${n === 0 ? 'nothing to change' : `${n} change(s)`}\n`);
      for (const [section, changes] of Object.entries(r.changes)) for (const c of changes) process.stdout.write(`  ${section}: ${sign(c.op)} ${c.key}\n`);
    }
    if (r.secrets.length > 0) {
      // Signing secrets never go to stdout (CI logs): to a 0600 file, or nowhere (rotate one to see it).
      if (v['secrets-out']) {
        writeFileSync(v['secrets-out'], `${JSON.stringify(Object.fromEntries(r.secrets.map((s) => [s.name, s.secret])), null, 2)}\n`, { mode: 0o600 });
        process.stderr.write(`signing secrets of new webhooks written to ${v['secrets-out']} (owner-only)\n`);
      } else process.stderr.write(`new webhooks ${r.secrets.map((s) => s.name).join(', ')}: their signing secrets were not kept (no --secrets-out); rotate them to get one\n`);
    }
    if (r.bundle?.state === 'failed') {
      process.stderr.write(`warden gitops: stored, but the ban list's bundle failed to build (agents keep the previous one): ${r.bundle.error ?? ''}\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof AdminCliError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`warden gitops: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
