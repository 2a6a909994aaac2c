// Public entry of the planner: checked modules (+ optional queries) → IR policy, or diagnostics.

import type { Body, Module, Term } from '../ast.ts';
import { isCallExpr, isEveryExpr, isSomeExpr, isTermExpr } from '../ast.ts';
import { DiagnosticError, diagnostic, type Diagnostic } from '../diagnostics.ts';
import type { Policy } from '../ir/types.ts';
import { Planner, type PlanOptions } from './planner.ts';

export type { QuerySpec, PlanOptions } from './planner.ts';

export interface PlanResult {
  policy?: Policy;
  diagnostics: Diagnostic[];
}

/** Plans the entrypoints and queries over the modules. Never throws. */
export function planPolicy(modules: Module[], opts: PlanOptions): PlanResult {
  let planner: Planner | undefined;
  try {
    planner = new Planner(modules);
    return { policy: planner.plan(opts), diagnostics: [] };
  } catch (e) {
    if (e instanceof DiagnosticError) return { diagnostics: [e.diagnostic] };
    // An internal failure is reported where planning stopped, not at some module's first line.
    const at = planner?.currentLocation ?? { file: modules[0]?.file ?? '<unknown>', row: 1, col: 1 };
    if (e instanceof RangeError) return { diagnostics: [diagnostic('rego_compile_error', at, 'policy nested too deeply to plan')] };
    const message = e instanceof Error ? e.message : String(e);
    return { diagnostics: [diagnostic('rego_compile_error', at, `internal planner error: ${message}`)] };
  }
}

/**
 * Variables a query reports in each result (OPA: the query's vars without closures,
 * wildcards, generated names and the root documents).
 */
export function queryVars(body: Body): string[] {
  const out = new Set<string>();
  const visit = (t: Term | null | undefined): void => {
    if (!t) return;
    const v = t.value;
    switch (v.type) {
      case 'var':
        if (!v.name.startsWith('_') && !v.name.startsWith('$') && v.name !== 'input' && v.name !== 'data') out.add(v.name);
        return;
      case 'ref':
        visit(v.head);
        v.path.forEach(visit);
        return;
      case 'array':
      case 'set':
        v.items.forEach(visit);
        return;
      case 'object':
        v.items.forEach(([k, x]) => {
          visit(k);
          visit(x);
        });
        return;
      case 'call':
        v.args.forEach(visit);
        return;
      default:
        return;
    }
  };
  for (const e of body) {
    if (isCallExpr(e)) e.terms.slice(1).forEach(visit);
    else if (isTermExpr(e)) visit(e.terms);
    else if (isSomeExpr(e)) {
      const s = e.terms;
      if (s.type === 'some') s.vars.forEach(visit);
      else {
        visit(s.key);
        visit(s.value);
        visit(s.domain);
      }
    } else if (isEveryExpr(e)) visit(e.terms.domain);
  }
  return [...out].sort();
}

