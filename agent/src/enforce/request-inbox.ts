// Each employee's exception-request inbox: <state>/public/users/<uid>/requests/, owned by that
// employee (mode 0700) inside the agent's own folder (0711, so nobody can swap the inbox for a link).
// The employee's tray writes request files there; the agent takes them each cycle. Everything in it
// is attacker-controlled, so the agent reads only regular files that the employee owns, with one
// link, opened without following a symlink and without blocking on a FIFO, at most
// EXCEPTION_REQUEST_LIMITS.fileBytes, validated against wire/src/exception-request.ts — and removes
// every entry it looked at, read or refused, so nothing is taken twice and junk does not pile up.
import { chmodSync, closeSync, constants, fstatSync, lchownSync, lstatSync, mkdirSync, openSync, opendirSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EXCEPTION_REQUEST_LIMITS as L, ExceptionRequestFile, REQUEST_FILE_NAME } from '../../../wire/src/exception-request.ts';
import { check } from '../../../wire/src/validate.ts';
import { INBOX_DIR_MODE, PUBLIC_FILES, userPublicDir, type EnforceState } from './state.ts';
import type { PublicUser } from './public-state.ts';

export interface InboxRequest {
  /** The file's id (its name without .json). */
  id: string;
  request: ExceptionRequestFile;
}

export interface InboxRefusal {
  /** The file's id when its name was well-formed, else null (then it is only logged). */
  id: string | null;
  name: string;
  error: string;
}

export interface InboxRead {
  requests: InboxRequest[];
  refused: InboxRefusal[];
}

export function inboxDir(state: EnforceState, user: PublicUser): string {
  return join(userPublicDir(state, user.key), PUBLIC_FILES.requests);
}

/**
 * Creates (or repairs) the employee's inbox: a folder owned by them, 0700. Whatever else stands at that
 * name (only the agent can put it there: the parent is the agent's) is removed first.
 */
export function prepareInbox(state: EnforceState, user: PublicUser): string {
  const dir = inboxDir(state, user);
  const asRoot = process.getuid?.() === 0;
  let st = null;
  try {
    st = lstatSync(dir);
  } catch {
    // not there yet
  }
  if (st && (!st.isDirectory() || (asRoot && st.uid !== user.uid))) {
    rmSync(dir, { recursive: true, force: true });
    st = null;
  }
  if (!st) {
    mkdirSync(dir, { mode: 0o700 });
    if (asRoot) lchownSync(dir, user.uid, user.gid);
  }
  if ((lstatSync(dir).mode & 0o777) !== INBOX_DIR_MODE) chmodSync(dir, INBOX_DIR_MODE);
  return dir;
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Reads one entry under the rules above; returns the parsed request or the reason it was refused. */
function readEntry(path: string, owner: number | null): { value: unknown } | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW | NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ELOOP' ? 'a symbolic link is not read' : `cannot open: ${code ?? 'error'}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { error: 'not a regular file' };
    if (owner !== null && st.uid !== owner) return { error: `owned by uid ${st.uid}, not by the employee (uid ${owner})` };
    if (st.nlink !== 1) return { error: 'a file with more than one link is not read' };
    if (st.size > L.fileBytes) return { error: `larger than ${L.fileBytes} bytes` };
    const buf = Buffer.alloc(L.fileBytes + 1);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > L.fileBytes) return { error: `larger than ${L.fileBytes} bytes` };
    try {
      return { value: JSON.parse(buf.subarray(0, n).toString('utf8')) as unknown };
    } catch {
      return { error: 'not valid JSON' };
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes up to EXCEPTION_REQUEST_LIMITS.perCycle requests from the employee's inbox. `owner` is the uid
 * every file must have (null on Windows, which has no uids). `keep` stores what was read (durably);
 * only then is every entry looked at removed, so a crash in between forwards a request twice at worst,
 * never loses one. Entries beyond the per-cycle limit stay for the next cycle.
 */
export function takeInbox(dir: string, owner: number | null, keep: (read: InboxRead) => void): InboxRead {
  const out: InboxRead = { requests: [], refused: [] };
  const taken: string[] = [];
  let d;
  try {
    d = opendirSync(dir);
  } catch {
    return out; // no inbox yet
  }
  try {
    for (let seen = 0; seen < L.scanned && out.requests.length + out.refused.length < L.perCycle; seen++) {
      const ent = d.readSync();
      if (!ent) break;
      const path = join(dir, ent.name);
      const m = REQUEST_FILE_NAME.exec(ent.name);
      if (!m) {
        // A temp file the tray is still writing (".<id>.tmp") is left alone; any other name is junk.
        if (!/^\.[A-Za-z0-9_-]{16,64}\.tmp$/.test(ent.name)) {
          out.refused.push({ id: null, name: ent.name, error: 'not a request file name' });
          taken.push(path);
        }
        continue;
      }
      const id = m[1] as string;
      const got = readEntry(path, owner);
      taken.push(path);
      if ('error' in got) {
        out.refused.push({ id, name: ent.name, error: got.error });
        continue;
      }
      const problems = check(ExceptionRequestFile, got.value);
      if (problems.length) out.refused.push({ id, name: ent.name, error: `invalid request: ${problems.slice(0, 3).join('; ')}` });
      else out.requests.push({ id, request: got.value as ExceptionRequestFile });
    }
  } finally {
    d.closeSync();
  }
  if (taken.length === 0) return out;
  keep(out);
  for (const p of taken) rmSync(p, { recursive: true, force: true });
  return out;
}
