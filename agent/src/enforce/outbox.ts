// The durable event outbox: every enforcement event is appended (fsynced) to a JSONL file before the
// action is reported done. The sync loop drains it: `takeOutbox` atomically moves the file aside and
// returns its events; `ackOutbox` deletes the taken file once the events are safely queued/uploaded.
// A crash between take and ack leaves the taken file, which the next take returns again first.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { EnforcementEvent } from '../../../wire/src/event.ts';
import { check } from '../../../wire/src/validate.ts';
import { appendLineDurable, fsyncDir } from './durable.ts';
import { dirname } from 'node:path';
import { ackSpool, readSpool } from './watch-spool.ts';

export type NewEvent = Omit<EnforcementEvent, 'id' | 'time'>;

export function makeEvent(e: NewEvent, now = new Date()): EnforcementEvent {
  return { id: randomUUID(), time: now.toISOString(), ...e };
}

export function appendEvent(outboxPath: string, event: EnforcementEvent): void {
  const problems = check(EnforcementEvent, event);
  if (problems.length) throw new Error(`refusing to record an invalid event: ${problems.join('; ')}`);
  appendLineDurable(outboxPath, JSON.stringify(event));
}

/** Reads events from a JSONL file; a torn last line (crash mid-append) is skipped, not fatal. */
export function readEvents(path: string): EnforcementEvent[] {
  if (!existsSync(path)) return [];
  const out: EnforcementEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (check(EnforcementEvent, v).length === 0) out.push(v as EnforcementEvent);
  }
  return out;
}

export interface TakenOutbox {
  file: string;
  /** The daemon's process-watch events spooled one file each (watch-spool.ts). */
  spooled: string[];
}

/**
 * Moves the outbox aside and returns its events (plus any earlier un-acked take), and the events the
 * daemon's process watch spooled meanwhile (each checked like an outbox line).
 */
export function takeOutbox(outboxPath: string): { events: EnforcementEvent[]; taken: TakenOutbox } {
  const taken = `${outboxPath}.taken`;
  if (!existsSync(taken) && existsSync(outboxPath)) {
    renameSync(outboxPath, taken);
    fsyncDir(dirname(outboxPath));
  }
  const spool = readSpool(outboxPath);
  const spooled = spool.values.filter((v): v is EnforcementEvent => check(EnforcementEvent, v).length === 0);
  return { events: [...readEvents(taken), ...spooled], taken: { file: taken, spooled: spool.files } };
}

export function ackOutbox(taken: TakenOutbox): void {
  rmSync(taken.file, { force: true });
  fsyncDir(dirname(taken.file));
  ackSpool(taken.spooled);
}
