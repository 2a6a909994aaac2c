// Exception requests from the employee's tray to the server, through the agent (the tray never
// talks to the server). Three documents:
//  - ExceptionRequestFile: what the tray (running as the employee) writes into the employee's inbox
//    <state>/public/users/<uid>/requests/<id>.json. The agent treats it as attacker-controlled: it
//    reads only regular files the employee owns, at most EXCEPTION_REQUEST_LIMITS.fileBytes, and
//    validates them against this schema before forwarding anything.
//  - ServerExceptionList: the server's answer to GET /api/v1/agent/exceptions, validated by the agent
//    (whatever answers at the server address controls the reply).
//  - PublicExceptions: each employee's exceptions.json, written by the agent, read by their tray.
import { Type, type Static } from '@sinclair/typebox';

export const EXCEPTION_REQUEST_SCHEMA = 'warden.exception-request/v1';
export const PUBLIC_EXCEPTIONS_SCHEMA = 'warden.tray-exceptions/v1';

export const EXCEPTION_REQUEST_LIMITS = {
  /** A request file bigger than this is refused unread. */
  fileBytes: 8 * 1024,
  reasonMin: 10,
  reason: 2000,
  /** Longest duration an employee can ask for (the server approves at most a year). */
  maxDays: 365,
  /** Files the agent takes from one employee's inbox per cycle (the rest wait for the next cycle). */
  perCycle: 10,
  /** Inbox entries looked at per cycle (a folder of junk cannot make the agent loop for long). */
  scanned: 100,
  /** Requests kept per employee in exceptions.json (oldest decided ones go first). */
  kept: 50,
} as const;
const L = EXCEPTION_REQUEST_LIMITS;

/** Name of a request file in the inbox: the tray's random id + .json. Anything else is removed unread. */
export const REQUEST_FILE_NAME = /^([A-Za-z0-9_-]{16,64})\.json$/;

const ToolId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });

export const ExceptionRequestFile = Type.Object(
  {
    schema: Type.Literal(EXCEPTION_REQUEST_SCHEMA),
    tool: ToolId,
    reason: Type.String({ minLength: L.reasonMin, maxLength: L.reason, description: 'the justification, in the employee’s words' }),
    duration_days: Type.Integer({ minimum: 1, maximum: L.maxDays, description: 'how long the employee needs the tool' }),
    requested_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type ExceptionRequestFile = Static<typeof ExceptionRequestFile>;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** One exception as the server lists it to the device (extra fields are ignored). */
export const ServerException = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  tool: ToolId,
  state: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('denied'), Type.Literal('expired')]),
  expires_at: Nullable(Type.String({ format: 'date-time' })),
  decided_at: Nullable(Type.String({ format: 'date-time' })),
  decision_note: Nullable(Type.String({ maxLength: 2000 })),
});
export type ServerException = Static<typeof ServerException>;
export const ServerExceptionList = Type.Object({ exceptions: Type.Array(ServerException, { maxItems: 10_000 }) });

/**
 * Where a request is: waiting in the inbox for the agent (the tray shows those itself), `queued` (the
 * agent holds it, the server has not taken it yet), then the server's state; `refused` when the server
 * turned the request down (error says why; files the agent refused are listed apart, unread).
 */
export const RequestState = Type.Union([
  Type.Literal('queued'),
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('denied'),
  Type.Literal('expired'),
  Type.Literal('refused'),
]);
export type RequestState = Static<typeof RequestState>;

export const PublicExceptionRequest = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$', description: 'the request file’s id' }),
    tool: ToolId,
    reason: Type.String({ maxLength: L.reason }),
    duration_days: Type.Integer({ minimum: 1, maximum: L.maxDays }),
    requested_at: Type.String({ format: 'date-time' }),
    state: RequestState,
    server_id: Nullable(Type.String({ maxLength: 200 })),
    expires_at: Nullable(Type.String({ format: 'date-time' })),
    decided_at: Nullable(Type.String({ format: 'date-time' })),
    decision_note: Nullable(Type.String({ maxLength: 2000 })),
    error: Nullable(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type PublicExceptionRequest = Static<typeof PublicExceptionRequest>;

export const PublicExceptions = Type.Object(
  {
    schema: Type.Literal(PUBLIC_EXCEPTIONS_SCHEMA),
    updated_at: Type.String({ format: 'date-time' }),
    requests: Type.Array(PublicExceptionRequest, { maxItems: L.kept }),
    /** Inbox files the agent refused (unreadable, not the employee's, malformed), newest last. */
    refused: Type.Array(
      Type.Object(
        { id: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }), at: Type.String({ format: 'date-time' }), error: Type.String({ maxLength: 500 }) },
        { additionalProperties: false },
      ),
      { maxItems: 20 },
    ),
  },
  { additionalProperties: false },
);
export type PublicExceptions = Static<typeof PublicExceptions>;
