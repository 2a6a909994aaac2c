// Shared by the host builtin implementations: the error they throw and the per-evaluation context.

/** A builtin's error, with OPA's code (the message is prefixed with the code and builtin name). */
export class BuiltinError extends Error {
  constructor(
    message: string,
    readonly code: 'eval_builtin_error' | 'eval_type_error' = 'eval_builtin_error',
  ) {
    super(message);
    this.name = 'BuiltinError';
  }
}

/** Lives for one evaluation only (OPA's per-query builtin cache and clock). */
export interface EvalContext {
  cache: Map<string, unknown>;
  /** The evaluation's clock, read once: every call in one evaluation sees the same time. */
  nowNs: number;
}

export type HostBuiltin = (...args: unknown[]) => unknown;

/** The JSON type name OPA uses in type errors. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

export function typeError(pos: number, want: string, got: unknown): BuiltinError {
  return new BuiltinError(`operand ${pos} must be ${want} but got ${typeName(got)}`, 'eval_type_error');
}

export function str(v: unknown, pos: number): string {
  if (typeof v !== 'string') throw typeError(pos, 'string', v);
  return v;
}

export function obj(v: unknown, pos: number): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw typeError(pos, 'object', v);
  return v as Record<string, unknown>;
}
