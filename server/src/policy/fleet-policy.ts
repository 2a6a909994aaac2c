// The fleet policy (policies/*.rego, see bundle-compile.ts) compiled to WASM with warden's own
// compiler: the same module the bundles carry, compiled once per process and shared by the bundle
// builder and the impact-preview evaluator. The compiler runs in a child process that exits after
// the build (compile-process.ts): the serving process never loads it.
import { defaultPolicySources, type PolicySources } from '../bundle-compile.ts';
import { CompileFailed, compileInChild } from './compile-process.ts';

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
  try {
    return await compileInChild({ modules: sources.modules, entrypoints: sources.entrypoints });
  } catch (e) {
    if (e instanceof CompileFailed && e.diagnostics) throw new Error(`the fleet policy does not compile: ${e.message}`);
    throw e;
  }
}
