// Where the daemon's process watch records its kills while a cycle child may be draining the outbox
// at the same moment: one durable file per event (temp file, fsync, rename) in <state>/outbox/watch/,
// never an append to events.jsonl — a rename of the outbox by the child between the daemon's open
// and write could otherwise drop the event. The cycle takes the files with the outbox (outbox.ts)
// and deletes them once the events are in the upload queue. Light on purpose: the daemon loads it.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EnforcementEvent } from '../../../wire/src/event.ts';
import { fsyncDir, writeFileDurable } from './durable.ts';

/** The spool folder beside the outbox file. */
export const watchSpoolDir = (outboxPath: string): string => join(outboxPath, '..', 'watch');

/** Records one event (id and time added here) durably; the caller is the daemon's watch. */
export function spoolEvent(outboxPath: string, e: Omit<EnforcementEvent, 'id' | 'time'>, now = new Date()): string {
  const event: EnforcementEvent = { id: randomUUID(), time: now.toISOString(), ...e };
  const path = join(watchSpoolDir(outboxPath), `${event.id}.json`);
  writeFileDurable(path, JSON.stringify(event));
  return path;
}

/** The spooled events' files and their parsed content (unparsable files are returned for deletion with no event). */
export function readSpool(outboxPath: string): { files: string[]; values: unknown[] } {
  const dir = watchSpoolDir(outboxPath);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^[0-9a-f-]{36}\.json$/.test(n)).sort();
  } catch {
    return { files: [], values: [] };
  }
  const files: string[] = [];
  const values: unknown[] = [];
  for (const n of names) {
    const path = join(dir, n);
    files.push(path);
    try {
      values.push(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      // torn or foreign: deleted with the others, nothing to upload
    }
  }
  return { files, values };
}

export function ackSpool(files: string[]): void {
  if (files.length === 0) return;
  for (const f of files) rmSync(f, { force: true });
  fsyncDir(join(files[0]!, '..'));
}
