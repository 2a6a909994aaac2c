// Compile-time checks over a set of modules. (Initial version: passes modules through; the safety,
// recursion, conflict and arity checks are being added.)

import type { Module } from '../ast.ts';
import type { Diagnostic } from '../diagnostics.ts';

export function checkModules(modules: Module[]): { modules: Module[]; diagnostics: Diagnostic[] } {
  return { modules: structuredClone(modules), diagnostics: [] };
}
