// Public API of the compiler front end (lexer → parser → checks), used by the planner and the CLI.
// Errors never escape as exceptions: every problem comes back as a Diagnostic with file:line:col.

import type { Module } from './ast.ts';
import { checkModules as runChecks, type CheckOptions } from './check/check.ts';
import { DiagnosticError, diagnostic, type Diagnostic } from './diagnostics.ts';
import { parse } from './parser/parser.ts';

export type { Diagnostic } from './diagnostics.ts';
export { formatDiagnostic } from './diagnostics.ts';
export type { CheckOptions } from './check/check.ts';

export interface ParseResult {
  /** Present when the module parsed; absent when diagnostics hold the parse error. */
  module?: Module;
  diagnostics: Diagnostic[];
}

/** Parses one Rego source file. Never throws. */
export function parseModule(source: string, file: string): ParseResult {
  try {
    return { module: parse(source, file), diagnostics: [] };
  } catch (e) {
    return { diagnostics: [toDiagnostic(e, file)] };
  }
}

export interface CheckResult {
  /**
   * The modules after the checks (fresh copies; the inputs are not modified):
   * - every rule body (and comprehension / every / else body) is in a safe evaluation order;
   * - refs to rules and imports are fully qualified (`data.pkg.rule`, imported `input.x`);
   * - `:=` is `=`, locals are renamed `__localN__`, wildcards `$N`, `some … in` is a ref
   *   iteration; see compiler/src/check/check.ts for the exact list of rewrites.
   * Only meaningful when diagnostics is empty.
   */
  modules: Module[];
  diagnostics: Diagnostic[];
}

/**
 * Runs the compile-time checks OPA runs (safety with reordering, recursion, conflicts, undefined
 * functions, builtin arity and literal argument types…). Never throws. options.queryFiles marks
 * modules that hold queries (see CheckOptions).
 */
export function checkModules(modules: Module[], options: CheckOptions = {}): CheckResult {
  try {
    return runChecks(modules, options);
  } catch (e) {
    return { modules, diagnostics: [toDiagnostic(e, modules[0]?.file ?? '<unknown>')] };
  }
}

function toDiagnostic(e: unknown, file: string): Diagnostic {
  if (e instanceof DiagnosticError) return e.diagnostic;
  if (e instanceof RangeError) {
    return diagnostic('rego_parse_error', { file, row: 1, col: 1 }, 'input nested too deeply');
  }
  const message = e instanceof Error ? e.message : String(e);
  return diagnostic('rego_compile_error', { file, row: 1, col: 1 }, `internal compiler error: ${message}`);
}
