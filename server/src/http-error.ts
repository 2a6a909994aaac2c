// Errors with an HTTP status and a stable machine-readable code; the error handler in app.ts turns
// them into `{ statusCode, error, message }`.
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Extra response headers (e.g. retry-after). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, code = 'bad_request') => new HttpError(400, code, message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
/** 429 after too many failed attempts; the client may try again in `retryAfterMs`. */
export const tooManyFailures = (retryAfterMs: number, message: string) => {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new HttpError(429, 'rate_limited', `${message}; retry in ${seconds} s`, { 'retry-after': String(seconds) });
};
export const conflict = (message: string, code = 'conflict') => new HttpError(409, code, message);
