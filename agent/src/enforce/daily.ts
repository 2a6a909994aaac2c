// "Once per key per day" memory, so repeated check-ins do not flood the outbox with identical
// observe/monitor events.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurable } from './durable.ts';

export function firstToday(path: string, key: string, now: Date): boolean {
  const day = now.toISOString().slice(0, 10);
  let seen: Record<string, string> = {};
  if (existsSync(path)) {
    try {
      const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (v && typeof v === 'object' && !Array.isArray(v)) seen = v as Record<string, string>;
    } catch {
      seen = {};
    }
  }
  if (seen[key] === day) return false;
  for (const [k, d] of Object.entries(seen)) if (d !== day) delete seen[k];
  seen[key] = day;
  writeFileDurable(path, JSON.stringify(seen));
  return true;
}
