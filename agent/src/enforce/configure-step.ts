// The configure part of the enforcement stage, file by file: every configure decision's settings are
// routed to the tool's managed files for this OS (policies/data/managed-settings.json), decisions
// that share a file (GitHub Copilot's managed-settings.json serves the CLI and the VS Code
// extension) are merged, and each file is written once. Then every file warden owns is read back:
// drift (edited, deleted, replaced, permissions loosened) is reported as an event and repaired while
// the policy still wants the file; a file the policy no longer wants is put back as it was.
import type { Decision } from '../../../wire/src/decision.ts';
import type { EnforcementEvent } from '../../../wire/src/event.ts';
import type { ManagedFile, ManagedSettingsData } from '../../../wire/src/managed-settings.ts';
import { managedTool } from '../catalog/managed-settings.ts';
import { applyManaged, driftOf, listConfigured, mergeSettings, refusedSettings, repairManaged, revertRecord, routeSettings, underRoot, type Os } from './configure.ts';
import type { NewEvent } from './outbox.ts';
import type { EnforceState } from './state.ts';

export interface ConfigureReport {
  finding: string;
  tool: string;
  steps: string[];
  events: EnforcementEvent[];
}

export interface ConfigureStageOptions {
  root: string;
  os: Os;
  bundleRevision: string;
  dryRun: boolean;
  data: ManagedSettingsData;
  now?: Date;
}

type Record_ = (report: ConfigureReport | null, e: NewEvent) => EnforcementEvent;

interface Wanted {
  file: ManagedFile;
  path: string;
  tools: string[];
  rules: string[];
  settings: Record<string, unknown>;
  decisions: Decision[];
}

const baseOf = (d: Decision, bundleRevision: string) => ({ tool: d.tool, finding: d.finding, action: d.action, rule: d.rule, reason: d.reason, bundle_revision: bundleRevision });

export function configureStage(decisions: Decision[], reports: ConfigureReport[], state: EnforceState, opts: ConfigureStageOptions, record: Record_): void {
  const reportOf = (d: Decision): ConfigureReport | null => reports.find((r) => r.finding === d.finding) ?? null;
  const wanted = new Map<string, Wanted>();
  /** Tools whose files stay as they are this cycle: a monitor-mode or failed configure decision changes nothing. */
  const keep = new Set<string>();
  for (const d of decisions) {
    if (d.action !== 'configure') continue;
    if (d.monitor) {
      keep.add(d.tool);
      continue;
    }
    const report = reportOf(d);
    const base = baseOf(d, opts.bundleRevision);
    const fail = (why: string): void => {
      keep.add(d.tool);
      report?.steps.push(`cannot configure: ${why}`);
      record(report, { ...base, kind: 'configure', result: 'failed', detail: why });
    };
    if (!d.settings) {
      fail('decision carries no settings');
      continue;
    }
    const tool = managedTool(opts.data, d.tool);
    const route = tool ? routeSettings(tool, opts.os, d.settings) : null;
    if (!tool || !route || (route.files.length === 0 && !tool.files.some((f) => f.paths[opts.os]))) {
      fail(`no managed-settings location known for ${d.tool} on ${opts.os}`);
      continue;
    }
    const refused = refusedSettings(d.settings);
    if (refused.length) {
      fail(`refusing managed settings that could run commands: ${refused.join(', ')}`);
      continue;
    }
    if (route.unplaced.length) {
      const exp = tool.exports.filter((x) => x.os === opts.os);
      report?.steps.push(`not written on ${opts.os}: ${route.unplaced.join(', ')} (${exp.length ? 'only an MDM profile/registry policy applies here: warden-agent configure --export' : 'no managed file takes these keys'})`);
    }
    for (const { file, settings } of route.files) {
      const path = underRoot(opts.root, file.paths[opts.os] as string);
      const w = wanted.get(path) ?? { file, path, tools: [], rules: [], settings: {}, decisions: [] };
      // Several findings of one tool (per user, per channel) share its machine-wide file.
      if (!w.tools.includes(d.tool)) w.tools.push(d.tool);
      if (!w.rules.includes(d.rule)) w.rules.push(d.rule);
      w.settings = mergeSettings(w.settings, settings) as Record<string, unknown>;
      w.decisions.push(d);
      wanted.set(path, w);
    }
  }

  for (const w of wanted.values()) {
    const d = w.decisions[0] as Decision;
    const reps = [...new Set(w.decisions.map(reportOf))];
    const base = baseOf(d, opts.bundleRevision);
    if (opts.dryRun) {
      for (const r of reps) r?.steps.push(`would merge managed settings into ${w.path}`);
      record(reps[0] ?? null, { ...base, kind: 'configure', result: 'dry_run', detail: `would write ${w.path}`, paths: [w.path] });
      continue;
    }
    try {
      const r = applyManaged(state, { tools: w.tools, file: w.file, path: w.path, root: opts.root, settings: w.settings, rules: w.rules, bundleRevision: opts.bundleRevision, ...(opts.now ? { now: opts.now } : {}) });
      if (r.drift.length) {
        for (const rep of reps) rep?.steps.push(`drift at ${r.path}: ${r.drift.join(', ')}; repaired`);
        record(reps[0] ?? null, { ...base, kind: 'drift', result: 'ok', detail: `${r.path} ${r.drift.join(', ')}; repaired`, paths: [r.path] });
      }
      for (const rep of reps) rep?.steps.push(r.changed ? `managed settings written to ${r.path}` : `managed settings at ${r.path} already as required`);
      if (r.changed && r.drift.length === 0) record(reps[0] ?? null, { ...base, kind: 'configure', result: 'ok', detail: `merged managed settings into ${r.path}`, paths: [r.path] });
    } catch (e) {
      for (const rep of reps) rep?.steps.push(`configure failed: ${(e as Error).message}`);
      record(reps[0] ?? null, { ...base, kind: 'configure', result: 'failed', detail: (e as Error).message, paths: [w.path] });
    }
  }

  // Files warden owns that no decision wants this cycle.
  for (const rec of listConfigured(state)) {
    if (wanted.has(rec.path)) continue;
    const mine = decisions.filter((d) => rec.tools.includes(d.tool));
    const d = mine[0];
    // Every tool of the file is found and no decision wants this file any more (not configured, or
    // configured with keys that go elsewhere now): put it back as it was.
    const unwanted = rec.tools.every((t) => decisions.some((x) => x.tool === t)) && !rec.tools.some((t) => keep.has(t));
    const report = d ? reportOf(d) : null;
    const base = d
      ? { ...baseOf(d, opts.bundleRevision), reason: `policy no longer configures ${rec.tools.join(', ')} (was rule ${rec.rules.join(', ')})` }
      : { tool: rec.tools[0] as string, finding: '', action: 'configure' as const, rule: rec.rules[0] ?? '', reason: `managed file warden owns for ${rec.tools.join(', ')} (tool not found this cycle)`, bundle_revision: opts.bundleRevision };
    if (unwanted) {
      if (opts.dryRun) {
        report?.steps.push(`would revert managed settings at ${rec.path}`);
        record(report, { ...base, kind: 'revert', result: 'dry_run', detail: `would revert ${rec.path}`, paths: [rec.path] });
        continue;
      }
      try {
        const done = revertRecord(state, rec, opts.root);
        const detail = done.restored === 'removed' ? `removed ${rec.path} (there was none before warden)` : `restored the previous ${rec.path}`;
        report?.steps.push(`managed settings reverted: ${detail}`);
        record(report, { ...base, kind: 'revert', result: 'ok', detail, paths: [rec.path] });
      } catch (e) {
        record(report, { ...base, kind: 'revert', result: 'failed', detail: (e as Error).message, paths: [rec.path] });
      }
      continue;
    }
    // Still warden's (a monitor-mode decision, or the tool was not found this cycle): keep it in force.
    const drift = driftOf(rec);
    if (drift.length === 0) continue;
    if (opts.dryRun || mine.some((x) => x.action === 'configure' && x.monitor)) {
      const result = opts.dryRun ? 'dry_run' : 'monitor';
      record(report, { ...base, kind: 'drift', result, detail: `${rec.path} ${drift.join(', ')}; would repair`, paths: [rec.path] });
      continue;
    }
    try {
      repairManaged(rec, opts.root);
      report?.steps.push(`drift at ${rec.path}: ${drift.join(', ')}; repaired`);
      record(report, { ...base, kind: 'drift', result: 'ok', detail: `${rec.path} ${drift.join(', ')}; repaired`, paths: [rec.path] });
    } catch (e) {
      record(report, { ...base, kind: 'drift', result: 'failed', detail: `${rec.path} ${drift.join(', ')}; repair failed: ${(e as Error).message}`, paths: [rec.path] });
    }
  }
}
