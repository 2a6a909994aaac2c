// The tray's side of an exception request. The tray runs as the employee and never talks to the
// server: it writes the request into the employee's inbox (<userDir>/requests/, a folder the agent
// made for them) and the agent forwards it at its next check-in (agent/src/sync/exception-desk.ts).
// Where each request is comes back in <userDir>/exceptions.json, written by the agent; requests
// still in the inbox are shown as "waiting for the agent".
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { PUBLIC_FILES } from '../../agent/src/enforce/state.ts';
import {
  EXCEPTION_REQUEST_LIMITS as L,
  EXCEPTION_REQUEST_SCHEMA,
  ExceptionRequestFile,
  PublicExceptions,
  REQUEST_FILE_NAME,
  type PublicExceptionRequest,
} from '../../wire/src/exception-request.ts';
import { check } from '../../wire/src/validate.ts';
import { readJson, type ViewDirs } from './agent-view.ts';

/** What the page sends: the request without the fields the tray fills in. */
export const NewExceptionRequest = Type.Object(
  {
    tool: ExceptionRequestFile.properties.tool,
    reason: ExceptionRequestFile.properties.reason,
    duration_days: ExceptionRequestFile.properties.duration_days,
  },
  { additionalProperties: false },
);
export type NewExceptionRequest = Static<typeof NewExceptionRequest>;

/** Requests the employee may have waiting in the inbox at once. */
export const MAX_WAITING = 10;

export interface RequestView extends Omit<PublicExceptionRequest, 'state'> {
  /** 'waiting': still in the inbox, the agent has not taken it yet. */
  state: PublicExceptionRequest['state'] | 'waiting';
}

export interface RequestsView {
  requests: RequestView[];
  refused: PublicExceptions['refused'];
}

const inbox = (dirs: ViewDirs): string => join(dirs.userDir, PUBLIC_FILES.requests);

function waiting(dirs: ViewDirs): RequestView[] {
  let names: string[];
  try {
    names = readdirSync(inbox(dirs));
  } catch {
    return [];
  }
  const out: RequestView[] = [];
  for (const name of names.slice(0, L.scanned)) {
    const m = REQUEST_FILE_NAME.exec(name);
    if (!m) continue;
    const r = readJson(join(inbox(dirs), name), ExceptionRequestFile);
    if (!r) continue;
    out.push({ id: m[1] as string, tool: r.tool, reason: r.reason, duration_days: r.duration_days, requested_at: r.requested_at, state: 'waiting', server_id: null, expires_at: null, decided_at: null, decision_note: null, error: null });
  }
  return out;
}

/** Every request of this employee: the agent's record of them plus those still in the inbox, newest first. */
export function readRequests(dirs: ViewDirs): RequestsView {
  const file = readJson(join(dirs.userDir, PUBLIC_FILES.exceptions), PublicExceptions);
  const known = new Set((file?.requests ?? []).map((r) => r.id));
  const all: RequestView[] = [...(file?.requests ?? []), ...waiting(dirs).filter((r) => !known.has(r.id))];
  return { requests: all.sort((a, b) => b.requested_at.localeCompare(a.requested_at)), refused: file?.refused ?? [] };
}

export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Puts one request in the inbox: validated, written to a temp name, fsynced, then renamed into place
 * (the agent never sees half a file). Returns the request's id.
 */
export function submitRequest(dirs: ViewDirs, body: unknown, now: Date = new Date()): string {
  const problems = check(NewExceptionRequest, body);
  if (problems.length) throw new RequestError(400, `invalid request: ${problems.slice(0, 3).join('; ')}`);
  const req = body as NewExceptionRequest;
  if (waiting(dirs).length >= MAX_WAITING) throw new RequestError(429, `${MAX_WAITING} requests are already waiting for the agent`);
  const id = randomBytes(16).toString('base64url');
  const doc: ExceptionRequestFile = { schema: EXCEPTION_REQUEST_SCHEMA, tool: req.tool, reason: req.reason, duration_days: req.duration_days, requested_at: now.toISOString() };
  const tmp = join(inbox(dirs), `.${id}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && process.platform === 'win32') throw new RequestError(503, 'on Windows, ask IT for an exception (see "Get help"): they record it for you');
    throw new RequestError(503, code === 'ENOENT' ? 'the warden agent has not set up your request folder yet; try again after its next check-in' : `cannot write the request: ${code ?? 'error'}`);
  }
  try {
    writeSync(fd, `${JSON.stringify(doc)}\n`);
    fsyncSync(fd);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new RequestError(500, `cannot write the request: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(inbox(dirs), `${id}.json`));
  return id;
}
