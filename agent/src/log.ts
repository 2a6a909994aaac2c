// Structured JSON logging for the agent: one JSON object per line on stderr (stdout stays for
// command output such as `scan --json`). Secrets never reach the log: keys that name a secret
// are masked, and so are bearer tokens and key-like strings inside messages.
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key|enroll(ment)?[-_]?code/i;
const SECRET_TEXT: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [/\b(sk-(?:ant-)?[A-Za-z0-9_-]{12,})/g, '[redacted]'],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,})/g, '[redacted]'],
  [/([?&](?:token|key|secret|password)=)[^&\s]+/gi, '$1[redacted]'],
  [/(\/\/[^/:@\s]+:)[^@\s]+@/g, '$1[redacted]@'],
];

export function redactText(s: string): string {
  let out = s;
  for (const [re, rep] of SECRET_TEXT) out = out.replace(re, rep);
  return out;
}

/** Deep copy with secret-named fields masked and secret-looking strings redacted. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export type Logger = {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
};

export type LogSink = (line: string) => void;

export function createLogger(opts: { level?: Level; sink?: LogSink; base?: Record<string, unknown> } = {}): Logger {
  const min = ORDER[opts.level ?? ((process.env.WARDEN_LOG_LEVEL as Level | undefined) ?? 'info')] ?? ORDER.info;
  const sink = opts.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const base = opts.base ?? {};
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const rec = { ts: new Date().toISOString(), level, msg: redactText(msg), ...(redact({ ...base, ...fields }) as Record<string, unknown>) };
    sink(JSON.stringify(rec));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...opts, base: { ...base, ...fields } }),
  };
}

export const log = createLogger({ base: { component: 'warden-agent' } });
