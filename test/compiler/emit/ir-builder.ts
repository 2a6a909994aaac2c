// Hand-written IR for emitter/runtime tests: a tiny builder that interns string constants and wraps
// a plan's value in OPA's `{"result": …}` result-set object.
import type * as ir from '../../../compiler/src/ir/types.ts';
import { emitWasm, type EmitOptions } from '../../../compiler/src/emit/index.ts';
import * as sdk from '@open-policy-agent/opa-wasm';

const { loadPolicy } = sdk;
/** The SDK's CommonJS side also has loadPolicySync (missing from its ESM named exports and types). */
const loadPolicySync = (sdk as unknown as { default: { loadPolicySync(w: Uint8Array): Policy } }).default.loadPolicySync;

export type Policy = Awaited<ReturnType<typeof loadPolicy>>;

export const L = (n: number): ir.Operand => ({ type: 'local', value: n });
export const TRUE: ir.Operand = { type: 'bool', value: true };
export const FALSE: ir.Operand = { type: 'bool', value: false };

export class IR {
  readonly strings: string[] = [];
  readonly plans: ir.Plan[] = [];
  readonly funcs: ir.Func[] = [];
  readonly builtins: { name: string; arity: number }[] = [];

  idx(text: string): number {
    let i = this.strings.indexOf(text);
    if (i < 0) {
      i = this.strings.length;
      this.strings.push(text);
    }
    return i;
  }

  /** A string constant operand. */
  s(text: string): ir.Operand {
    return { type: 'string_index', value: this.idx(text) };
  }

  /** A number constant into `target` (exact text). */
  num(text: string, target: number): ir.Stmt {
    return { type: 'MakeNumberRefStmt', index: this.idx(text), target };
  }

  /** Statements that add {"result": local} to the result set (uses local `tmp`). */
  result(local: number, tmp = 999): ir.Stmt[] {
    return [
      { type: 'MakeObjectStmt', target: tmp },
      { type: 'ObjectInsertStmt', key: this.s('result'), value: L(local), object: tmp },
      { type: 'ResultSetAddStmt', value: tmp },
    ];
  }

  plan(name: string, ...blocks: ir.Stmt[][]): this {
    this.plans.push({ name, blocks: blocks.map((stmts) => ({ stmts })) });
    return this;
  }

  func(f: ir.Func): this {
    this.funcs.push(f);
    return this;
  }

  build(): ir.Policy {
    return { static: { strings: this.strings, builtinFuncs: this.builtins, files: ['test.rego'] }, plans: this.plans, funcs: this.funcs };
  }

  async wasm(opts?: EmitOptions): Promise<Uint8Array> {
    return emitWasm(this.build(), opts);
  }

  async load(opts?: EmitOptions): Promise<Policy> {
    return loadPolicy(await this.wasm(opts));
  }

  async loadSync(opts?: EmitOptions): Promise<Policy> {
    const wasm = await this.wasm(opts);
    return loadPolicySync(wasm);
  }
}

/** Blocks of statements. */
export const block = (...stmts: ir.Stmt[]): ir.Block => ({ stmts });

/** The `result` values of a result set, e.g. [{result: 1}] → [1]. */
export function results(rs: unknown): unknown[] {
  if (!Array.isArray(rs)) throw new Error(`result set is not an array: ${JSON.stringify(rs)}`);
  return rs.map((r: { result: unknown }) => r.result);
}

/** Evaluates with a raw JSON text input and returns the raw JSON text the module produced. */
export function rawEval(p: Policy, inputJson: string, entrypoint = 0): string {
  const inst = (p.wasmInstance as { exports?: Record<string, unknown> }).exports
    ?? (p.wasmInstance as unknown as { instance: { exports: Record<string, unknown> } }).instance.exports;
  const mem = p.mem as unknown as { buffer: ArrayBuffer; grow(n: number): number };
  const bytes = new TextEncoder().encode(inputJson);
  const at = p.dataHeapPtr as number;
  const need = at + bytes.length - mem.buffer.byteLength;
  if (need > 0) mem.grow(Math.ceil(need / 65536));
  new Uint8Array(mem.buffer).set(bytes, at);
  const evalFn = inst['opa_eval'] as (...a: number[]) => number;
  const out = evalFn(0, entrypoint, p.dataAddr, at, bytes.length, at + bytes.length, 0);
  const buf = new Uint8Array(mem.buffer);
  let end = out;
  while (buf[end] !== 0) end++;
  return new TextDecoder().decode(buf.subarray(out, end));
}
