// `warden-agent enforce --bundle <bundle.tar.gz> [--root DIR] [--os linux|darwin|win32] [--dry-run] [--json]`
// Scans, evaluates the bundle's policy, acts, and prints every decision and action.
// The bundle must verify against --public-key (or the key pinned at enrollment in the state folder);
// --unsigned accepts an unsigned compiler output for local testing and says so.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Type } from '@sinclair/typebox';
import { PolicyException } from '../../../wire/src/banlist.ts';
import type { Decision } from '../../../wire/src/decision.ts';
import { validate } from '../../../wire/src/validate.ts';
import { scanInventory, hostOs } from '../inventory/scan.ts';
import { loadPolicyBundle } from '../policy/bundle.ts';
import { PolicyEngine } from '../policy/evaluate.ts';
import { buildPolicyInput, findingIds } from '../policy/input.ts';
import type { Os } from './configure.ts';
import { enforceDecisions, type EnforceReport } from './enforce.ts';
import { withBypasses } from '../inventory/bypass.ts';
import { managedSettingsFromBundleData } from '../catalog/managed-settings.ts';
import { appendEvent, makeEvent } from './outbox.ts';
import { defaultStateDir, enforceState } from './state.ts';
import { publishPublicState } from './public-state.ts';
import { ProcessWatch, watchKillEvent } from './watch.ts';
import { loadPinnedKey } from '../sync/pinned-key.ts';

const USAGE = `usage: warden-agent enforce --bundle <bundle.tar.gz> [--root DIR] [--os linux|darwin|win32] [--state DIR]
         [--public-key FILE | --unsigned] [--exceptions FILE] [--device-group G]… [--processes]
         [--dry-run] [--json] [--watch SECONDS]
`;

class UsageError extends Error {}

const Exceptions = Type.Array(PolicyException);

function parseOs(v: string | undefined): Os {
  if (v === undefined) return hostOs() as Os;
  if (v === 'linux' || v === 'darwin' || v === 'win32') return v;
  throw new UsageError(`--os must be linux, darwin or win32, not '${v}'`);
}

/** The pinned bundle key and the device id, when this state folder belongs to an enrolled agent. */
function enrolled(stateDir: string): { key?: string; deviceId?: string } {
  let key: string | undefined;
  try {
    key = loadPinnedKey(stateDir)?.public_key;
  } catch {
    key = undefined;
  }
  const p = join(stateDir, 'credential.json');
  let deviceId: string | undefined;
  if (existsSync(p)) {
    try {
      const c = JSON.parse(readFileSync(p, 'utf8')) as { device_id?: unknown };
      if (typeof c.device_id === 'string') deviceId = c.device_id;
    } catch {
      deviceId = undefined;
    }
  }
  return { ...(key ? { key } : {}), ...(deviceId ? { deviceId } : {}) };
}

function printHuman(io: CommandIo, decisions: Decision[], report: EnforceReport, info: { revision: string; signed: boolean; dry: boolean }): void {
  const w = (s: string): void => io.out(`${s}\n`);
  w(`bundle ${info.revision} (${info.signed ? 'signature verified' : 'UNSIGNED, accepted by --unsigned'})${info.dry ? ' — dry run: nothing is changed' : ''}`);
  for (const r of report.recovered) w(`recovered: ${r.detail}`);
  if (decisions.length === 0) w('no AI tools found');
  for (const d of decisions) {
    const a = report.actions.find((x) => x.finding === d.finding);
    w(`${d.finding}  →  ${d.action}${d.monitor ? ' (monitor)' : ''}${d.grace_until ? ` (grace until ${d.grace_until})` : ''}${d.rule ? `  [${d.rule}]` : ''}`);
    w(`    why: ${d.reason}`);
    for (const s of a?.steps ?? []) w(`    - ${s}`);
  }
}

/** Where the command prints (tests capture it without touching the process streams). */
export interface CommandIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const processIo: CommandIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) };

export async function runEnforceCommand(args: string[], io: CommandIo = processIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        bundle: { type: 'string' },
        root: { type: 'string' },
        os: { type: 'string' },
        state: { type: 'string' },
        'public-key': { type: 'string' },
        unsigned: { type: 'boolean' },
        exceptions: { type: 'string' },
        'device-group': { type: 'string', multiple: true },
        processes: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        watch: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (!values.bundle) throw new UsageError('--bundle is required');
    const root = resolve(values.root ?? '/');
    const os = parseOs(values.os);
    const stateDir = resolve(values.state ?? defaultStateDir(root, os));
    const dry = values['dry-run'] === true;
    const watchSeconds = values.watch === undefined ? 0 : Number(values.watch);
    if (!Number.isFinite(watchSeconds) || watchSeconds < 0) throw new UsageError('--watch takes a number of seconds');

    const pinned = enrolled(stateDir);
    const keyPem = values['public-key'] ? readFileSync(values['public-key'], 'utf8') : pinned.key;
    if (!keyPem && !values.unsigned) throw new UsageError('no bundle key: pass --public-key FILE (or enroll the agent); --unsigned only for testing an unsigned build');
    let archive: Buffer;
    try {
      archive = readFileSync(values.bundle);
    } catch (e) {
      throw new UsageError(`cannot read bundle ${values.bundle}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const bundle = await loadPolicyBundle(archive, keyPem ? { publicKeyPem: keyPem } : { allowUnsigned: true });
    const engine = await PolicyEngine.load(bundle);
    const exceptions = values.exceptions ? validate(Exceptions, JSON.parse(readFileSync(values.exceptions, 'utf8')) as unknown, `exceptions file ${values.exceptions}`) : [];

    const managed = managedSettingsFromBundleData(bundle.data).data;
    const inventory = withBypasses(await scanInventory({ root, os, ...(values.processes ? { processes: true } : {}) }), { root, os, data: managed });
    const input = buildPolicyInput(inventory, { id: pinned.deviceId ?? hostname(), groups: values['device-group'] ?? [], userGroups: {} }, new Date(), exceptions);
    const decisions = engine.evaluate(input);
    const report = await enforceDecisions(decisions, inventory, { stateDir, root, os, bundleRevision: bundle.revision, dryRun: dry, managedSettings: managed });
    // The employees' trays show what this run found and did (each their own part): as the run loop does.
    if (!dry) publishPublicState(enforceState(stateDir), { inventory, decisions, bundleRevision: bundle.revision, branding: bundle.banList.branding ?? null, root, os });

    if (values.json) {
      const ids = findingIds(inventory);
      io.out(
        `${JSON.stringify(
          {
            bundle: { revision: bundle.revision, signed: bundle.signed, digest: bundle.digest },
            dry_run: dry,
            state_dir: stateDir,
            findings: inventory.findings.map((f, i) => ({ id: ids[i], tool: f.tool_id, version: f.version, paths: f.paths, pids: f.running.map((p) => p.pid) })),
            decisions,
            actions: report.actions,
            recovered: report.recovered,
            watch: report.watch,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      printHuman(io, decisions, report, { revision: bundle.revision, signed: bundle.signed, dry });
    }

    if (watchSeconds > 0 && !dry && report.watch.length > 0) {
      const state = enforceState(stateDir);
      const watch = new ProcessWatch(report.watch, {
        ...(bundle.banList.watch ? { intervalMs: bundle.banList.watch.interval_ms } : {}),
        onKill: (k) => {
          const ev = makeEvent(watchKillEvent(k));
          appendEvent(state.outbox, ev);
          if (!values.json) io.out(`watch: ${ev.detail}\n`);
        },
      });
      watch.start();
      await new Promise((r) => setTimeout(r, watchSeconds * 1000));
      watch.stop();
    }
    return report.actions.some((a) => a.events.some((e) => e.result === 'failed')) ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`warden-agent enforce: ${e.message}\n${USAGE}`);
      return 2;
    }
    io.err(`warden-agent enforce: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

const enforceCommand = (args: string[]): Promise<number> => runEnforceCommand(args);

export default enforceCommand;
