// The tray app's view of the agent's notice file: read (through the enforcement module's validated
// reader) and mark a notice as read. The file stays owned by the agent; the tray changes one flag.
import { readNotices, type Notice } from '../../agent/src/enforce/notices.ts';
import { writeFileDurable } from '../../agent/src/enforce/durable.ts';

export type { Notice };

/** Newest first: what the employee most needs to see is what happened last. */
export function listNotices(path: string): Notice[] {
  return readNotices(path).sort((a, b) => b.last_seen.localeCompare(a.last_seen));
}

/** Marks one notice read; false when no notice has that id. */
export function markRead(path: string, id: string): boolean {
  const notices = readNotices(path);
  const hit = notices.find((n) => n.id === id);
  if (!hit) return false;
  hit.read = true;
  writeFileDurable(path, `${JSON.stringify({ notices }, null, 2)}\n`, 0o644);
  return true;
}
