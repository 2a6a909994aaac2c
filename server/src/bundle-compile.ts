// Turns the fleet's Rego policy + the current ban list into an unsigned OPA bundle with warden's own
// compiler (compiler/src/index.ts, the programmatic side of `warden policy build`). The policy only
// changes with a server release while the ban list changes daily, and the ban list is *data*: so the
// policy is compiled once per distinct source (cached by hash) and a ban change only rewrites
// data.json. That is what lets a ban reach the fleet in seconds.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CompileBundle } from './bundle-builder.ts';
import { installPath } from '../../wire/src/install-root.ts';
import { CompileFailed, compileInChild } from './policy/compile-process.ts';

export const POLICY_ENTRYPOINT = 'warden/decisions';

export interface PolicySources {
  modules: { file: string; source: string }[];
  entrypoints: string[];
}

/** The repository's policies/ folder, wherever the process was started. */
export const POLICIES_DIR = installPath('policies/');

/** The policy shipped in policies/: every .rego file except the unit tests. */
export function defaultPolicySources(dir = POLICIES_DIR): PolicySources {
  const modules = readdirSync(dir)
    .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
    .sort()
    // file names as written in diagnostics: relative to the repository (policies/warden.rego)
    .map((f) => ({ file: relative(join(POLICIES_DIR, '..'), join(dir, f)) || f, source: readFileSync(join(dir, f), 'utf8') }));
  if (modules.length === 0) throw new Error(`no Rego policy files in ${dir}`);
  return { modules, entrypoints: [POLICY_ENTRYPOINT] };
}

export class PolicyCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyCompileError';
  }
}

/**
 * A CompileBundle for BundleService that compiles `sources` (once) with warden's compiler, run in a
 * child process (policy/compile-process.ts). `wasm`
 * may supply the compiled module instead (shared with the server's impact-preview evaluator, so the
 * policy is compiled once per process).
 */
export function compilerBundle(sources: PolicySources = defaultPolicySources(), provided?: () => Promise<Buffer>): CompileBundle {
  const key = createHash('sha256').update(JSON.stringify(sources)).digest('hex');
  let wasm: Promise<Buffer> | null = null;
  const build = async (): Promise<Buffer> => {
    // in a child process that exits after the build: the server never loads the compiler
    try {
      return await compileInChild({ modules: sources.modules, entrypoints: sources.entrypoints });
    } catch (e) {
      if (e instanceof CompileFailed && e.diagnostics) throw new PolicyCompileError(`policy does not compile: ${e.message}`);
      throw e;
    }
  };
  return async ({ data, revision }) => {
    wasm ??= provided ? provided() : build();
    let bytes: Buffer;
    try {
      bytes = await wasm;
    } catch (e) {
      wasm = null; // let the next ban change try again (e.g. after a fix is deployed)
      throw e;
    }
    const manifest = {
      revision,
      roots: [''],
      wasm: sources.entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })),
      metadata: { policy_sha256: key.slice(0, 16), built_by: 'warden-server' },
    };
    return new Map([
      ['.manifest', Buffer.from(JSON.stringify(manifest))],
      ['policy.wasm', bytes],
      ['data.json', Buffer.from(JSON.stringify(data))],
    ]);
  };
}
