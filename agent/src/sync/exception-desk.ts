// The agent's side of an employee's exception request: take it from the employee's inbox
// (enforce/request-inbox.ts), keep it in the agent's private record (<state>/exception-requests.json,
// 0600), forward it to the server at check-in as the device (the server records the proven device as
// requested_by, the OS account the agent proved — the inbox owner — as device_reported_user), follow
// its state on the server, and write each employee's exceptions.json for their tray. When IT approves,
// the server adds the exception to the next signed bundle; the policy then allows the tool.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXCEPTION_REQUEST_LIMITS as L,
  PUBLIC_EXCEPTIONS_SCHEMA,
  PublicExceptionRequest,
  ServerException,
  ServerExceptionList,
  type PublicExceptions,
} from '../../../wire/src/exception-request.ts';
import { Type, type Static } from '@sinclair/typebox';
import { check } from '../../../wire/src/validate.ts';
import { prepareInbox, inboxDir, takeInbox } from '../enforce/request-inbox.ts';
import { writeUserFile, type PublicUser } from '../enforce/public-state.ts';
import { PUBLIC_FILES, type EnforceState } from '../enforce/state.ts';
import { readJsonFile, writeFileAtomic } from './state-files.ts';
import { ServerError } from './client.ts';

const DeskRecord = Type.Composite([PublicExceptionRequest, Type.Object({ user_key: Type.String(), local_user: Type.String() })]);
type DeskRecord = Static<typeof DeskRecord>;
const Refusal = Type.Object({ user_key: Type.String(), id: Type.String(), at: Type.String(), error: Type.String() });
type Refusal = Static<typeof Refusal>;
const DeskFile = Type.Object({ requests: Type.Array(DeskRecord), refused: Type.Array(Refusal) });
type DeskFile = Static<typeof DeskFile>;

/** What the desk needs from the server (AgentClient implements it). */
export interface ExceptionApi {
  requestException(body: { tool: string; reason: string; local_user: string; duration_days: number }): Promise<unknown>;
  listExceptions(): Promise<unknown>;
}

const clip = (s: string, n = 500): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export class ExceptionDesk {
  private readonly path: string;

  constructor(private readonly state: EnforceState) {
    this.path = join(state.dir, 'exception-requests.json');
  }

  /**
   * The agent's record. A corrupt one (only the agent writes it: a disk fault) is kept aside as
   * exception-requests.json.corrupt-<time> for IT, and the record starts afresh — requests already
   * on the server keep their state there, and the agent never stops working over it.
   */
  load(): DeskFile {
    let v: unknown;
    try {
      v = readJsonFile(this.path);
    } catch {
      v = null;
    }
    if (v === undefined) return { requests: [], refused: [] };
    if (check(DeskFile, v).length === 0) return v as DeskFile;
    renameSync(this.path, `${this.path}.corrupt-${Date.now()}`);
    return { requests: [], refused: [] };
  }

  private save(f: DeskFile): void {
    writeFileAtomic(this.path, `${JSON.stringify(f)}\n`);
  }

  /**
   * Takes new requests from every employee's inbox (creating inboxes that do not exist yet). Only where
   * the kernel says who owns a file: on Windows, which has no uids (and whose owner SIDs Node cannot
   * read), no inbox is made and employees ask IT, who records the request in the console.
   */
  collect(users: PublicUser[], now: Date = new Date()): { taken: number; refused: number } {
    let taken = 0;
    let refused = 0;
    if (process.getuid === undefined) return { taken, refused };
    for (const u of users) {
      prepareInbox(this.state, u);
      const owner = u.uid;
      takeInbox(inboxDir(this.state, u), owner, (read) => {
        const f = this.load();
        const known = new Set(f.requests.filter((r) => r.user_key === u.key).map((r) => r.id));
        for (const { id, request } of read.requests) {
          if (known.has(id)) continue;
          f.requests.push({
            id,
            user_key: u.key,
            // The account the agent proved: the name of a home folder this uid owns.
            local_user: u.names[0] as string,
            tool: request.tool,
            reason: request.reason,
            duration_days: request.duration_days,
            requested_at: request.requested_at,
            state: 'queued',
            server_id: null,
            expires_at: null,
            decided_at: null,
            decision_note: null,
            error: null,
          });
          taken += 1;
        }
        for (const r of read.refused) {
          refused += 1;
          if (r.id) f.refused.push({ user_key: u.key, id: r.id, at: now.toISOString(), error: clip(r.error) });
        }
        f.refused = f.refused.slice(-200);
        this.save(f);
      });
    }
    return { taken, refused };
  }

  /**
   * Forwards queued requests, then follows every forwarded one's state. A request the server refuses
   * (4xx other than 401/429) is marked refused with the server's reason; anything retryable keeps it
   * queued and is thrown, so the cycle reports it and retries.
   */
  async exchange(api: ExceptionApi): Promise<void> {
    const f = this.load();
    for (const r of f.requests.filter((x) => x.state === 'queued')) {
      try {
        const answer = await api.requestException({ tool: r.tool, reason: r.reason, local_user: r.local_user, duration_days: r.duration_days });
        const problems = check(ServerException, answer);
        if (problems.length) throw new ServerError(`the server's answer to an exception request is invalid: ${problems[0]}`, 0, true);
        const a = answer as ServerException;
        Object.assign(r, { server_id: a.id, state: a.state, expires_at: a.expires_at, decided_at: a.decided_at, decision_note: a.decision_note, error: null });
      } catch (e) {
        if (e instanceof ServerError && !e.retryable && e.status !== 401 && e.status >= 400 && e.status < 500) {
          Object.assign(r, { state: 'refused', error: clip(e.message) });
        } else {
          this.save(f);
          throw e;
        }
      }
      this.save(f); // after each: a crash never sends one twice
    }
    if (!f.requests.some((r) => r.server_id !== null && (r.state === 'pending' || r.state === 'approved'))) return;
    const list = await api.listExceptions();
    const problems = check(ServerExceptionList, list);
    if (problems.length) throw new ServerError(`the server's exception list is invalid: ${problems[0]}`, 0, true);
    const byId = new Map((list as Static<typeof ServerExceptionList>).exceptions.map((x) => [x.id, x]));
    for (const r of f.requests) {
      const s = r.server_id ? byId.get(r.server_id) : undefined;
      if (!s || s.tool !== r.tool) continue;
      Object.assign(r, { state: s.state, expires_at: s.expires_at, decided_at: s.decided_at, decision_note: s.decision_note });
    }
    this.save(f);
  }

  /** Writes each employee's exceptions.json: their own requests only, newest first, bounded. */
  publish(users: PublicUser[], now: Date = new Date()): void {
    const f = this.load();
    for (const u of users) {
      const mine = f.requests.filter((r) => r.user_key === u.key).sort((a, b) => b.requested_at.localeCompare(a.requested_at));
      // Open requests always stay; the oldest decided ones go first past the limit.
      const open = mine.filter((r) => r.state === 'queued' || r.state === 'pending');
      const decided = mine.filter((r) => r.state !== 'queued' && r.state !== 'pending');
      const kept = [...open, ...decided].slice(0, L.kept).sort((a, b) => b.requested_at.localeCompare(a.requested_at));
      const doc: PublicExceptions = {
        schema: PUBLIC_EXCEPTIONS_SCHEMA,
        updated_at: now.toISOString(),
        requests: kept.map(({ user_key: _k, local_user: _u, ...pub }) => pub),
        refused: f.refused.filter((r) => r.user_key === u.key).slice(-20).map(({ user_key: _k, ...r }) => r),
      };
      writeUserFile(this.state, u, PUBLIC_FILES.exceptions, doc);
    }
  }
}
