// `warden-agent configure list|revert <tool> [--root DIR] [--os …] [--state DIR] [--json]`
// `warden-agent configure --export <ban-list.json> --os darwin|win32 --out DIR`
// Shows the managed files warden wrote, puts a tool's back as they were before warden, or writes
// the MDM artefacts (.mobileconfig, .reg + .ps1) for tools that only read profiles or the registry.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BanList, banListProblems } from '../../../wire/src/banlist.ts';
import { validate } from '../../../wire/src/validate.ts';
import { loadManagedSettings } from '../catalog/managed-settings.ts';
import { processIo, type CommandIo } from './command.ts';
import { parseStateArgs } from './state-args.ts';
import { driftOf, listConfigured, revertManagedSettings } from './configure.ts';
import { exportArtefacts } from './export.ts';
import { appendEvent, makeEvent } from './outbox.ts';

const USAGE =
  'usage: warden-agent configure list|revert <tool> [--root DIR] [--os linux|darwin|win32] [--state DIR] [--json]\n' +
  '       warden-agent configure --export <ban-list.json> --os darwin|win32 --out DIR\n';

function exportCommand(args: string[], io: CommandIo): number {
  let file: string | undefined;
  let os: string | undefined;
  let out: string | undefined;
  try {
    const { values } = parseArgs({ args, options: { export: { type: 'string' }, os: { type: 'string' }, out: { type: 'string' } } });
    ({ export: file, os, out } = values);
  } catch (e) {
    io.err(`warden-agent configure: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!file || !out || (os !== 'darwin' && os !== 'win32')) {
    io.err(`warden-agent configure: --export needs a ban list, --os darwin|win32 and --out DIR\n${USAGE}`);
    return 2;
  }
  let list: BanList;
  try {
    list = validate(BanList, JSON.parse(readFileSync(file, 'utf8')) as unknown, `ban list ${file}`);
    const problems = banListProblems(list);
    if (problems.length) throw new Error(`ban list ${file}: ${problems.join('; ')}`);
    const artefacts = exportArtefacts(list, loadManagedSettings(), os);
    if (artefacts.length === 0) {
      io.err(`warden-agent configure: no configure rule in ${file} names a tool whose policy on ${os} is a profile or registry setting\n`);
      return 1;
    }
    mkdirSync(resolve(out), { recursive: true });
    for (const a of artefacts) {
      writeFileSync(join(resolve(out), a.name), a.content, { mode: 0o644 });
      io.out(`${join(resolve(out), a.name)}  ${a.tool} rule ${a.rule}: ${a.keys.join(', ')}\n`);
    }
    return 0;
  } catch (e) {
    io.err(`warden-agent configure: ${(e as Error).message}\n`);
    return 1;
  }
}

export async function runConfigureCommand(args: string[], io: CommandIo = processIo): Promise<number> {
  if (args.includes('--export')) return exportCommand(args, io);
  const parsed = parseStateArgs('configure', USAGE, args, io);
  if (typeof parsed === 'number') return parsed;
  const { state } = parsed;
  const [sub, tool] = parsed.positionals;
  if (sub === 'list') {
    const list = listConfigured(state);
    // Read back now: the file as warden wrote it ("in force"), or what is wrong with it.
    const status = (r: (typeof list)[number]): string => driftOf(r).join(', ') || 'in force';
    if (parsed.json) io.out(`${JSON.stringify(list.map((r) => ({ tools: r.tools, file: r.file, path: r.path, rules: r.rules, time: r.time, had_previous: r.previous !== null, status: status(r) })), null, 2)}\n`);
    else if (list.length === 0) io.out('no managed settings written by warden\n');
    else for (const r of list) io.out(`${r.tools.join(',')}  ${r.path}  ${status(r)}  rule ${r.rules.join(',')}  ${r.time}${r.previous === null ? '  (no file before warden)' : ''}\n`);
    return 0;
  }
  if (sub === 'revert' && tool) {
    const done = revertManagedSettings(state, tool, parsed.root);
    if (done.length === 0) {
      io.err(`warden-agent configure: warden has not written managed settings for '${tool}'\n`);
      return 1;
    }
    for (const r of done) {
      const detail = r.restored === 'removed' ? `removed ${r.path} (there was none before warden)` : `restored the previous ${r.path}`;
      appendEvent(
        state.outbox,
        makeEvent({ kind: 'revert', tool, finding: '', action: 'configure', rule: '', reason: 'reverted by a local operator (warden-agent configure revert)', bundle_revision: '', result: 'ok', detail, paths: [r.path] }),
      );
      io.out(r.restored === 'removed' ? `removed ${r.path}\n` : `restored ${r.path}\n`);
    }
    return 0;
  }
  io.err(USAGE);
  return 2;
}

const configureCommand = (args: string[]): Promise<number> => runConfigureCommand(args);

export default configureCommand;
