// Arguments shared by the commands that work on the agent's local state (quarantine, configure):
// `<sub> [arg] [--root DIR] [--os linux|darwin|win32] [--state DIR] [--json]`. Bad arguments print
// the command's usage and give exit code 2.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hostOs } from '../inventory/scan.ts';
import type { CommandIo } from './command.ts';
import type { Os } from './configure.ts';
import { defaultStateDir, enforceState, type EnforceState } from './state.ts';

export interface StateArgs {
  positionals: string[];
  json: boolean;
  root: string;
  os: Os;
  state: EnforceState;
}

/** The parsed arguments, or the exit code to return after the error was printed. */
export function parseStateArgs(command: string, usage: string, args: string[], io: CommandIo): StateArgs | number {
  let values: { root?: string; os?: string; state?: string; json?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { root: { type: 'string' }, os: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean' } },
    }));
  } catch (e) {
    io.err(`warden-agent ${command}: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  const os = (values.os ?? hostOs()) as Os;
  if (!['linux', 'darwin', 'win32'].includes(os)) {
    io.err(`warden-agent ${command}: --os must be linux, darwin or win32\n`);
    return 2;
  }
  const root = resolve(values.root ?? '/');
  const state = enforceState(resolve(values.state ?? defaultStateDir(root, os)));
  return { positionals, json: values.json === true, root, os, state };
}
