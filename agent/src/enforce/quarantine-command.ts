// `warden-agent quarantine list|restore <id> [--root DIR] [--os …] [--state DIR] [--json]`
// Lists the vault, or puts a quarantined tool back byte for byte (and says if anything differs).
// Finishes any operation a crash interrupted before doing anything else.
import { processIo, type CommandIo } from './command.ts';
import { parseStateArgs } from './state-args.ts';
import { appendEvent, makeEvent } from './outbox.ts';
import { listQuarantine, recoverInterrupted, restore, QuarantineError } from './vault.ts';

const USAGE = 'usage: warden-agent quarantine list|restore <id> [--root DIR] [--os linux|darwin|win32] [--state DIR] [--json]\n';

export async function runQuarantineCommand(args: string[], io: CommandIo = processIo): Promise<number> {
  const parsed = parseStateArgs('quarantine', USAGE, args, io);
  if (typeof parsed === 'number') return parsed;
  const { state } = parsed;
  const [sub, id] = parsed.positionals;
  for (const r of recoverInterrupted(state)) {
    io.err(`recovered interrupted ${r.op} ${r.id}: ${r.outcome}${r.error ? ` (${r.error})` : ''}\n`);
    appendEvent(
      state.outbox,
      makeEvent({
        kind: 'recover',
        tool: r.tool,
        finding: '',
        action: 'quarantine',
        rule: '',
        reason: `interrupted ${r.op} found at start`,
        bundle_revision: '',
        result: r.outcome === 'failed' ? 'failed' : 'ok',
        detail: `${r.op} ${r.id} ${r.outcome.replace('_', ' ')}${r.error ? `: ${r.error}` : ''}`,
        quarantine_id: r.id,
      }),
    );
  }

  if (sub === 'list') {
    const list = listQuarantine(state);
    if (parsed.json) {
      io.out(`${JSON.stringify(list.map((m) => ({ id: m.id, tool: m.tool, time: m.time, rule: m.decision.rule, items: m.items.map((i) => ({ original: i.original, kind: i.kind, mode: i.mode, sha256: i.sha256, entries: i.tree.length, shim: i.shim })) })), null, 2)}\n`);
    } else if (list.length === 0) {
      io.out('the quarantine vault is empty\n');
    } else {
      for (const m of list) {
        io.out(`${m.id}  ${m.tool}  ${m.time}  rule ${m.decision.rule || '(default)'}\n`);
        for (const i of m.items) io.out(`    ${i.original}  (${i.kind}, ${i.tree.length} entries${i.shim ? ', notice shim left' : ''})\n`);
      }
    }
    return 0;
  }
  if (sub === 'restore' && id) {
    try {
      const r = restore(state, id);
      appendEvent(
        state.outbox,
        makeEvent({
          kind: 'restore',
          tool: r.manifest.tool,
          finding: r.manifest.finding,
          action: r.manifest.decision.action,
          rule: r.manifest.decision.rule,
          reason: 'restored by a local operator (warden-agent quarantine restore)',
          bundle_revision: '',
          result: r.problems.length ? 'failed' : 'ok',
          detail: r.problems.length ? `restored with differences: ${r.problems.slice(0, 5).join('; ')}` : `restored ${r.restored.length} item(s) byte for byte`,
          paths: r.restored,
          quarantine_id: id,
        }),
      );
      if (parsed.json) io.out(`${JSON.stringify({ id, restored: r.restored, problems: r.problems }, null, 2)}\n`);
      else {
        for (const p of r.restored) io.out(`restored ${p}\n`);
        for (const p of r.problems) io.out(`DIFFERS: ${p}\n`);
      }
      return r.problems.length ? 1 : 0;
    } catch (e) {
      if (e instanceof QuarantineError) {
        io.err(`warden-agent quarantine: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }
  io.err(USAGE);
  return 2;
}

const quarantineCommand = (args: string[]): Promise<number> => runQuarantineCommand(args);

export default quarantineCommand;
