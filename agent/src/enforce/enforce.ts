// The enforcement stage: decisions (+ the inventory they were made on) → local actions → events.
// A fixed, local, audited set of actions: notice, kill, quarantine, configure. Every action and its
// result is appended to the durable outbox before the next one starts. Monitor mode and dry runs
// change nothing on disk except (monitor) the outbox.
import { join } from 'node:path';
import type { Catalog } from '../../../wire/src/catalog.ts';
import type { Decision } from '../../../wire/src/decision.ts';
import type { EnforcementEvent } from '../../../wire/src/event.ts';
import type { Finding, Inventory } from '../../../wire/src/inventory.ts';
import { loadCatalog } from '../catalog/load.ts';
import { findingIds } from '../policy/input.ts';
import { homeEndpoint, InstallProver } from '../proof/install-proof.ts';
import { attribute, runningFiles } from '../process/attribute.ts';
import type { ProcFacts } from '../process/types.ts';
import { processSource, procfsSource } from '../process/source.ts';
import type { Os } from './configure.ts';
import { configureStage } from './configure-step.ts';
import type { ManagedSettingsData } from '../../../wire/src/managed-settings.ts';
import { loadManagedSettings } from '../catalog/managed-settings.ts';
import { firstToday } from './daily.ts';
import { terminateAll } from './kill.ts';
import { noticeId, recordNotice, recordOutcome } from './notices.ts';
import { appendEvent, makeEvent, type NewEvent } from './outbox.ts';
import { enforceState, preparePublicDir, type EnforceState } from './state.ts';
import { quarantineTargets } from './targets.ts';
import { quarantine, recoverInterrupted } from './vault.ts';
import { saveWatchList, type WatchTarget } from './watch.ts';

export interface EnforceOptions {
  stateDir: string;
  /** File-system root the inventory scanned ("/" on a real endpoint). */
  root: string;
  os: Os;
  bundleRevision: string;
  dryRun?: boolean;
  now?: Date;
  termTimeoutMs?: number;
  procRoot?: string;
  /** Catalog whose layout proves install paths (default: the one shipped with the agent). */
  catalog?: Catalog;
  /** Where each tool's managed settings live (default: policies/data/managed-settings.json shipped with the agent). */
  managedSettings?: ManagedSettingsData;
}

export interface ActionReport {
  finding: string;
  tool: string;
  action: Decision['action'];
  monitor: boolean;
  /** What was done (or, in a dry run, would be done), one line each. */
  steps: string[];
  events: EnforcementEvent[];
}

export interface EnforceReport {
  recovered: EnforcementEvent[];
  actions: ActionReport[];
  watch: WatchTarget[];
}

const NOTICE_ACTIONS = new Set(['notify', 'warn', 'block', 'quarantine']);

class Recorder {
  constructor(
    private readonly state: EnforceState,
    private readonly dryRun: boolean,
    private readonly now: Date,
  ) {}
  record(report: ActionReport | null, e: NewEvent): EnforcementEvent {
    const ev = makeEvent(e, this.now);
    if (!this.dryRun) appendEvent(this.state.outbox, ev);
    report?.events.push(ev);
    return ev;
  }
}

export async function enforceDecisions(decisions: Decision[], inventory: Inventory, opts: EnforceOptions): Promise<EnforceReport> {
  const state = enforceState(opts.stateDir);
  const now = opts.now ?? new Date();
  const dry = opts.dryRun === true;
  const rec = new Recorder(state, dry, now);
  // Every target is proven against the catalog's install layout under this root (proof/).
  const prover = new InstallProver(opts.root, opts.os, opts.catalog ?? loadCatalog());
  const homes = inventory.host.users.map((u) => prover.host(homeEndpoint(opts.os, u)));

  // Finish what a crash interrupted before acting again (never in a dry run: it changes files).
  const recovered: EnforcementEvent[] = [];
  if (!dry) {
    for (const r of recoverInterrupted(state)) {
      recovered.push(
        rec.record(null, {
          kind: 'recover',
          tool: r.tool,
          finding: '',
          action: 'quarantine',
          rule: '',
          reason: `interrupted ${r.op} found at start`,
          bundle_revision: opts.bundleRevision,
          result: r.outcome === 'failed' ? 'failed' : 'ok',
          detail: r.outcome === 'failed' ? `${r.op} ${r.id}: ${r.error ?? ''}` : `${r.op} ${r.id} ${r.outcome.replace('_', ' ')}`,
          quarantine_id: r.id,
        }),
      );
    }
  }

  const ids = findingIds(inventory);
  const byId = new Map<string, Finding>();
  inventory.findings.forEach((f, i) => byId.set(ids[i] as string, f));
  const actions: ActionReport[] = [];
  const watch: WatchTarget[] = [];

  for (const d of decisions) {
    const report: ActionReport = { finding: d.finding, tool: d.tool, action: d.action, monitor: d.monitor, steps: [], events: [] };
    actions.push(report);
    const base = { tool: d.tool, finding: d.finding, action: d.action, rule: d.rule, reason: d.reason, bundle_revision: opts.bundleRevision };
    try {
      await actOn(d, report, base);
    } catch (e) {
      // One failing action (a vanished file, a permission) must not stop the others.
      report.steps.push(`failed: ${(e as Error).message}`);
      rec.record(report, { ...base, kind: 'decision', result: 'failed', detail: (e as Error).message });
    }
  }

  async function actOn(d: Decision, report: ActionReport, base: Base): Promise<void> {
    const f = byId.get(d.finding);
    if (d.action === 'allow') {
      report.steps.push('allowed: nothing to do');
      return;
    }
    if (!f) {
      rec.record(report, { ...base, kind: 'decision', result: 'failed', detail: 'decision names a finding the inventory does not have' });
      return;
    }
    if (d.monitor) {
      report.steps.push(`monitor mode: would ${d.action}, changing nothing`);
      if (dry || firstToday(join(state.dir, 'reported.json'), `monitor:${d.finding}:${d.action}`, now)) {
        rec.record(report, { ...base, kind: 'decision', result: dry ? 'dry_run' : 'monitor', detail: `monitor mode: would ${d.action}` });
      }
      return;
    }
    if (d.action === 'observe') {
      report.steps.push('observed: reported only');
      if (dry || firstToday(join(state.dir, 'reported.json'), `observe:${d.finding}`, now)) {
        rec.record(report, { ...base, kind: 'decision', result: dry ? 'dry_run' : 'ok', detail: `observed ${f.name} ${f.version ?? '(version unknown)'}` });
      }
      return;
    }
    if (d.action === 'configure') return; // configureStage below, file by file
    const noticed = NOTICE_ACTIONS.has(d.action) && noticeStep(d, f, opts, state, rec, report, base, dry, now);
    if (d.action !== 'block' && d.action !== 'quarantine') return;
    const { stopped, installs: ran } = await killStep(f, prover, opts, rec, report, base, dry);
    const targets = quarantineTargets(f, prover, homes);
    refusedStep(d, targets.refused, state, rec, report, base, dry, now);
    if (d.action === 'block') {
      const paths = [...new Set([...targets.paths, ...ran])];
      if (paths.length) {
        watch.push({ tool: d.tool, finding: d.finding, rule: d.rule, reason: d.reason, bundle_revision: opts.bundleRevision, paths });
        report.steps.push(`process watch: kill ${d.tool} if started again from ${paths.join(', ')}`);
      }
    }
    if (d.action === 'quarantine' && !dry && targets.paths.length) await killInside(targets.paths, opts, rec, report, base);
    const vaultId = d.action === 'quarantine' ? quarantineStep(d, f, targets, opts, state, rec, report, base, dry, now) : null;
    // What happened to the files and processes, for the employee's notice ("copy details").
    if (noticed) recordOutcome(state.notices, noticeId(d.tool, f.user, now), d.finding, { stopped, quarantine_id: vaultId });
  }
  configureStage(decisions, actions, state, { root: opts.root, os: opts.os, bundleRevision: opts.bundleRevision, dryRun: dry, data: opts.managedSettings ?? loadManagedSettings(), now }, (r, e) => rec.record(r as ActionReport | null, e));
  if (!dry) saveWatchList(state.watchList, watch);
  return { recovered, actions, watch };
}

type Base = Pick<EnforcementEvent, 'tool' | 'finding' | 'action' | 'rule' | 'reason' | 'bundle_revision'>;

/** Records the employee's notice; true when one was written (not in a dry run). */
function noticeStep(d: Decision, f: Finding, opts: EnforceOptions, state: EnforceState, rec: Recorder, report: ActionReport, base: Base, dry: boolean, now: Date): boolean {
  const text = d.grace_until ? `${d.message} (enforced from ${d.grace_until})` : d.message;
  if (dry) {
    report.steps.push(`would notify the employee: "${text}"`);
    rec.record(report, { ...base, kind: 'notice', result: 'dry_run', detail: text });
    return false;
  }
  preparePublicDir(state); // state.ts: layout and modes; public-state.ts shows each employee theirs
  const outcome = recordNotice(state.notices, d, opts.bundleRevision, now, f);
  report.steps.push(outcome === 'new' ? `notice for the employee: "${text}"` : 'notice already shown today (updated)');
  if (outcome === 'new') rec.record(report, { ...base, kind: 'notice', result: 'ok', detail: text });
  return true;
}

/** Signals the finding's running processes that are still, by kernel facts, the tool's; returns how many were stopped and their proven installs. */
async function killStep(f: Finding, prover: InstallProver, opts: EnforceOptions, rec: Recorder, report: ActionReport, base: Base, dry: boolean): Promise<{ stopped: number; installs: string[] }> {
  if (f.running.length === 0) {
    report.steps.push('no running process attributed');
    return { stopped: 0, installs: [] };
  }
  const pids = f.running.map((p) => p.pid);
  if (dry) {
    report.steps.push(`would terminate pids ${pids.join(', ')}`);
    rec.record(report, { ...base, kind: 'kill', result: 'dry_run', detail: `would terminate pids ${pids.join(', ')}`, pids });
    return { stopped: 0, installs: [] };
  }
  // Each pid is attributed again right before it is signalled: under a scan root other than '/'
  // (demo, tests) only processes running a proven install inside that root qualify.
  const source = opts.procRoot ? procfsSource(opts.procRoot) : processSource();
  const ns = source.namespace();
  const installs = new Set<string>();
  const results = await terminateAll(
    f.running.map((p) => ({ pid: p.pid, start: p.start ?? null })),
    {
      recheck: (facts) => {
        const a = attribute(facts, prover, ns);
        if (a?.match.tool === f.tool_id) {
          installs.add(a.install);
          return null;
        }
        return a ? `runs ${a.match.tool}, not ${f.tool_id}` : `runs no proven install of ${f.tool_id}`;
      },
      ...(opts.termTimeoutMs !== undefined ? { termTimeoutMs: opts.termTimeoutMs } : {}),
      source,
    },
  );
  const failed = results.filter((r) => r.outcome === 'failed');
  const refused = results.filter((r) => r.outcome === 'not_attributed' || r.outcome === 'pid_reused');
  const detail = results.map((r) => `${r.pid} ${r.outcome.replace('_', ' ')}${r.outcome === 'terminated' || r.outcome === 'killed' ? ` in ${Math.round(r.ms)} ms` : ''}${r.error ? ` (${r.error})` : ''}`).join('; ');
  report.steps.push(`terminate: ${detail}`);
  const result = failed.length ? 'failed' : refused.length === results.length ? 'refused' : 'ok';
  rec.record(report, { ...base, kind: 'kill', result, detail, pids });
  return { stopped: results.filter((r) => r.outcome === 'terminated' || r.outcome === 'killed').length, installs: [...installs] };
}

/**
 * Right before a quarantine: processes still running a file inside the paths about to move (a helper
 * started after the scan, a second window) are terminated first — Windows cannot move a running
 * executable, and elsewhere it would keep running from the vault. The paths are proven installs;
 * each pid is re-checked before its signal like any kill.
 */
async function killInside(paths: string[], opts: EnforceOptions, rec: Recorder, report: ActionReport, base: Base): Promise<void> {
  const source = opts.procRoot ? procfsSource(opts.procRoot) : processSource();
  const ns = source.namespace();
  const inside = (p: ProcFacts): string | null => runningFiles(p, ns).find((r) => paths.some((t) => r.path === t || r.path.startsWith(`${t}/`)))?.path ?? null;
  let procs: ProcFacts[];
  try {
    procs = await source.list();
  } catch (e) {
    report.steps.push(`could not list processes before moving: ${(e as Error).message}`);
    return;
  }
  const running = procs.filter((p) => p.pid !== process.pid && inside(p) !== null);
  if (running.length === 0) return;
  const results = await terminateAll(
    running.map((p) => ({ pid: p.pid, start: p.start })),
    { source, recheck: (now) => (inside(now) ? null : 'no longer runs a file of the install'), ...(opts.termTimeoutMs !== undefined ? { termTimeoutMs: opts.termTimeoutMs } : {}) },
  );
  const detail = `before moving: ${results.map((r) => `${r.pid} ${r.outcome.replace('_', ' ')}${r.error ? ` (${r.error})` : ''}`).join('; ')}`;
  report.steps.push(`terminate ${detail}`);
  rec.record(report, { ...base, kind: 'kill', result: results.some((r) => r.outcome === 'failed') ? 'failed' : 'ok', detail, pids: results.map((r) => r.pid) });
}

/** Each target the agent could not prove becomes an event with the reason (once a day), and nothing happens to it. */
function refusedStep(d: Decision, refused: { path: string; reason: string }[], state: EnforceState, rec: Recorder, report: ActionReport, base: Base, dry: boolean, now: Date): void {
  const verb = d.action === 'quarantine' ? 'not moving' : 'not watching';
  for (const r of refused) {
    report.steps.push(`${verb} ${r.path}: ${r.reason}`);
    if (dry || firstToday(join(state.dir, 'reported.json'), `refused:${d.finding}:${d.action}:${r.path}:${r.reason}`, now)) {
      rec.record(report, { ...base, kind: d.action === 'quarantine' ? 'quarantine' : 'kill', result: 'refused', detail: `${verb} ${r.path}: ${r.reason}`, paths: [r.path] });
    }
  }
}

function quarantineStep(
  d: Decision,
  f: Finding,
  targets: ReturnType<typeof quarantineTargets>,
  opts: EnforceOptions,
  state: EnforceState,
  rec: Recorder,
  report: ActionReport,
  base: Base,
  dry: boolean,
  now: Date,
): string | null {
  if (targets.paths.length === 0) {
    report.steps.push('nothing left to quarantine');
    return null;
  }
  if (dry) {
    report.steps.push(`would quarantine ${targets.paths.join(', ')}${targets.commands.length ? `; notice shim at ${targets.commands.join(', ')}` : ''}`);
    rec.record(report, { ...base, kind: 'quarantine', result: 'dry_run', detail: 'would quarantine', paths: targets.paths });
    return null;
  }
  try {
    const m = quarantine(state, {
      tool: d.tool,
      toolName: f.name,
      finding: d.finding,
      decision: d,
      bundleRevision: opts.bundleRevision,
      paths: targets.paths,
      commands: targets.commands,
      root: opts.root,
      now,
    });
    report.steps.push(`quarantined as ${m.id}: ${targets.paths.join(', ')}${targets.commands.length ? `; notice shim at ${targets.commands.join(', ')}` : ''}`);
    rec.record(report, { ...base, kind: 'quarantine', result: 'ok', detail: `moved ${targets.paths.length} item(s) into the vault as ${m.id}`, paths: targets.paths, quarantine_id: m.id });
    return m.id;
  } catch (e) {
    report.steps.push(`quarantine failed: ${(e as Error).message}`);
    rec.record(report, { ...base, kind: 'quarantine', result: 'failed', detail: (e as Error).message, paths: targets.paths });
    return null;
  }
}
