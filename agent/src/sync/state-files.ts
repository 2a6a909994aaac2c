// Small durable files in the agent's state folder: written to a temp file, fsynced, then renamed, so
// a crash leaves either the old or the new content, never half of one.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurable } from '../enforce/durable.ts';

/** One durable-write implementation for all agent state (temp file, fsync, rename, fsync folder). */
export const writeFileAtomic = writeFileDurable;

export function readJsonFile(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`agent state file ${path} is unreadable: ${(e as Error).message}`);
  }
}
