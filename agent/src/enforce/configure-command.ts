// `warden-agent configure list|revert <tool> [--root DIR] [--os …] [--state DIR] [--json]`
// Shows the managed-settings files warden wrote, or puts one back as it was before warden.
import { processIo, type CommandIo } from './command.ts';
import { parseStateArgs } from './state-args.ts';
import { listConfigured, revertManagedSettings } from './configure.ts';
import { appendEvent, makeEvent } from './outbox.ts';

const USAGE = 'usage: warden-agent configure list|revert <tool> [--root DIR] [--os linux|darwin|win32] [--state DIR] [--json]\n';

export async function runConfigureCommand(args: string[], io: CommandIo = processIo): Promise<number> {
  const parsed = parseStateArgs('configure', USAGE, args, io);
  if (typeof parsed === 'number') return parsed;
  const { state } = parsed;
  const [sub, tool] = parsed.positionals;
  if (sub === 'list') {
    const list = listConfigured(state);
    if (parsed.json) io.out(`${JSON.stringify(list.map((r) => ({ tool: r.tool, path: r.path, rule: r.rule, time: r.time, had_previous: r.previous !== null })), null, 2)}\n`);
    else if (list.length === 0) io.out('no managed settings written by warden\n');
    else for (const r of list) io.out(`${r.tool}  ${r.path}  rule ${r.rule}  ${r.time}${r.previous === null ? '  (no file before warden)' : ''}\n`);
    return 0;
  }
  if (sub === 'revert' && tool) {
    const done = revertManagedSettings(state, tool);
    if (!done) {
      io.err(`warden-agent configure: warden has not written managed settings for '${tool}'\n`);
      return 1;
    }
    appendEvent(
      state.outbox,
      makeEvent({
        kind: 'revert',
        tool,
        finding: '',
        action: 'configure',
        rule: '',
        reason: 'reverted by a local operator (warden-agent configure revert)',
        bundle_revision: '',
        result: 'ok',
        detail: done.restored === 'removed' ? `removed ${done.path} (there was none before warden)` : `restored the previous ${done.path}`,
        paths: [done.path],
      }),
    );
    io.out(done.restored === 'removed' ? `removed ${done.path}\n` : `restored ${done.path}\n`);
    return 0;
  }
  io.err(USAGE);
  return 2;
}

const configureCommand = (args: string[]): Promise<number> => runConfigureCommand(args);

export default configureCommand;
