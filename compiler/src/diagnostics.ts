// Structured compiler diagnostics: every error the front end reports carries file:line:col.

export type DiagnosticCode =
  | 'rego_parse_error'
  | 'rego_unsafe_var_error'
  | 'rego_compile_error'
  | 'rego_recursion_error'
  | 'rego_type_error';

export interface Diagnostic {
  file: string;
  /** 1-based line. */
  row: number;
  /** 1-based column. */
  col: number;
  message: string;
  /** OPA's error code for the same problem (rego_parse_error, rego_unsafe_var_error, …). */
  code: DiagnosticCode;
}

/** `file:line:col: message` (the form the CLI prints). */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.row}:${d.col}: ${d.message}`;
}

/** `file:line:col: code: message` (the CLI's form, with OPA's error code). */
export function formatDiagnosticWithCode(d: Diagnostic): string {
  return `${d.file}:${d.row}:${d.col}: ${d.code}: ${d.message}`;
}

export function diagnostic(
  code: DiagnosticCode,
  location: { file: string; row: number; col: number },
  message: string,
): Diagnostic {
  return { file: location.file, row: location.row, col: location.col, message, code };
}

/** Thrown inside a stage to abort it; always caught at the stage's public entry and turned into a Diagnostic. */
export class DiagnosticError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(d: Diagnostic) {
    super(formatDiagnostic(d));
    this.diagnostic = d;
  }
}

/**
 * A DiagnosticError without a captured stack trace: the parser throws (and catches) these while
 * backtracking, and capturing a stack each time dominated parse time.
 */
export function diagnosticError(d: Diagnostic): DiagnosticError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new DiagnosticError(d);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
