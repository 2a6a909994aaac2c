// The fleet policy (policies/*.rego, see bundle-compile.ts) compiled to WASM with warden's own
// compiler: the same module the bundles carry, compiled once per process and shared by the bundle
// builder and the impact-preview evaluator.
import { compile, formatDiagnostic } from '../../../compiler/src/index.ts';
import { defaultPolicySources, type PolicySources } from '../bundle-compile.ts';

let compiled: Promise<Buffer> | null = null;

/** The compiled fleet policy (a failure is not remembered: the next call tries again). */
export function compileFleetPolicy(): Promise<Buffer> {
  if (!compiled) {
    const p = compileSources(defaultPolicySources());
    compiled = p;
    p.catch(() => {
      if (compiled === p) compiled = null;
    });
  }
  return compiled;
}

export async function compileSources(sources: PolicySources): Promise<Buffer> {
  const r = await compile({ modules: sources.modules, entrypoints: sources.entrypoints });
  if (!r.wasm || r.diagnostics.length > 0) throw new Error(`the fleet policy does not compile: ${r.diagnostics.slice(0, 3).map(formatDiagnostic).join('; ')}`);
  return Buffer.from(r.wasm);
}
