// The fleet policy (policies/warden.rego) compiled to WASM with warden's own compiler, the same
// module the bundles carry. Compiled once per server process, on first use.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, formatDiagnostic } from '../../../compiler/src/index.ts';
import { ENTRYPOINT } from '../../../agent/src/policy/bundle.ts';

export const FLEET_POLICY_FILE = fileURLToPath(new URL('../../../policies/warden.rego', import.meta.url));

const compiled = new Map<string, Promise<Buffer>>();

/** The compiled fleet policy, compiled once per process and file (a failure is not remembered). */
export function compileFleetPolicy(file = FLEET_POLICY_FILE): Promise<Buffer> {
  let p = compiled.get(file);
  if (!p) {
    p = compileNow(file);
    compiled.set(file, p);
    p.catch(() => compiled.delete(file));
  }
  return p;
}

async function compileNow(file: string): Promise<Buffer> {
  const r = await compile({ modules: [{ file, source: readFileSync(file, 'utf8') }], entrypoints: [ENTRYPOINT] });
  if (!r.wasm) throw new Error(`the fleet policy does not compile: ${r.diagnostics.slice(0, 3).map(formatDiagnostic).join('; ')}`);
  return Buffer.from(r.wasm);
}
