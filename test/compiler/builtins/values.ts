// Value-level harness: compiles an entry exporting runtime builtins plus JSON parse/dump, and calls
// a builtin with JSON arguments, returning its JSON result (undefined when the builtin returns 0).
import { compileEntry, type LibModule } from './harness.ts';

export interface BuiltinModule {
  lib: LibModule;
  /** Calls opa_builtin_<name> with JSON-encoded args; returns the parsed result or undefined. */
  call(name: string, ...args: unknown[]): unknown;
  /** Same with strict builtin errors: returns {error} when the builtin aborts. */
  strict(name: string, ...args: unknown[]): unknown;
  /** Calls with JSON-text args and returns the result's JSON text ('undefined' if none): exact for big numbers. */
  text(name: string, ...argsJson: string[]): string;
}

export async function compileBuiltins(entry: string): Promise<BuiltinModule> {
  const lib = await compileEntry(entry);
  const parse = lib.fn('opa_json_parse');
  const dump = lib.fn('opa_json_dump');
  const toValue = (x: unknown): number => {
    const [p, n] = lib.put(JSON.stringify(x));
    const v = parse(p, n);
    if (v === 0) throw new Error(`bad JSON arg ${JSON.stringify(x)}`);
    return v;
  };
  const call = (name: string, ...args: unknown[]): unknown => {
    lib.reset();
    const r = lib.fn(`opa_builtin_${name.replace(/\./g, '_')}`)(...args.map(toValue));
    if (r === 0) return undefined;
    const d = dump(r);
    const mem = new Uint8Array(lib.memory.buffer);
    let e = d;
    while (mem[e] !== 0) e++;
    return JSON.parse(new TextDecoder().decode(mem.slice(d, e))) as unknown;
  };
  const text = (name: string, ...argsJson: string[]): string => {
    lib.reset();
    const vals = argsJson.map((a) => {
      const [p, n] = lib.put(a);
      return parse(p, n);
    });
    const r = lib.fn(`opa_builtin_${name.replace(/\./g, '_')}`)(...vals);
    if (r === 0) return 'undefined';
    const d = dump(r);
    const mem = new Uint8Array(lib.memory.buffer);
    let e = d;
    while (mem[e] !== 0) e++;
    return new TextDecoder().decode(mem.slice(d, e));
  };
  return {
    lib,
    call,
    text,
    strict(name, ...args) {
      lib.fn('opa_rt_set_strict_builtin_errors')(1);
      try {
        return call(name, ...args);
      } catch (e) {
        return { error: String(e) };
      } finally {
        lib.fn('opa_rt_set_strict_builtin_errors')(0);
      }
    },
  };
}
