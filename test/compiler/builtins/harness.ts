// Compiles an AssemblyScript test entry (which exports thin wrappers over compiler/assembly/lib)
// with asc in-process and gives tests typed access to its exports and memory.
import asc from 'assemblyscript/asc';
import { readFileSync } from 'node:fs';

// The few WebAssembly JS API members used here (the project's TS lib setting has no DOM/wasm types).
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: Record<string, Record<string, unknown>>): Promise<{ exports: Record<string, unknown> }>;
  Module: { imports(module: object): { module: string; name: string; kind: string }[] };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface LibModule {
  exports: Record<string, unknown>;
  memory: WasmMemory;
  /** Copies bytes (or a UTF-8 string) into fresh scratch memory; returns [ptr, len]. */
  put(s: string | Uint8Array): [number, number];
  /** Reads len bytes at ptr as UTF-8. */
  str(ptr: number, len: number): string;
  bytes(ptr: number, len: number): Uint8Array;
  /** Reads the byte string a lib function returned (pointer + out_len). */
  out(ptr: number): string;
  outBytes(ptr: number): Uint8Array;
  fn(name: string): (...args: number[]) => number;
  reset(): void;
}

export async function compileEntry(entryPath: string): Promise<LibModule> {
  const outputs = new Map<string, Uint8Array | string>();
  let stderr = '';
  const { error } = await asc.main(
    [entryPath, '--outFile', 'out.wasm', '--runtime', 'stub', '-O1'],
    {
      readFile: (name, baseDir) => {
        try {
          return readFileSync(baseDir === '' || name.startsWith('/') ? name : `${baseDir}/${name}`, 'utf8');
        } catch {
          return null;
        }
      },
      writeFile: (name, contents) => {
        outputs.set(name, contents);
      },
      listFiles: () => [],
      stderr: {
        write(s: string | Uint8Array) {
          stderr += typeof s === 'string' ? s : new TextDecoder().decode(s);
          return true;
        },
      } as never,
    },
  );
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr}`);
  const bin = [...outputs.entries()].find(([k]) => k.endsWith('.wasm'))?.[1];
  if (!(bin instanceof Uint8Array)) throw new Error(`asc produced no wasm\n${stderr}`);
  const holder: { mem?: WasmMemory } = {};
  const readAsString = (p: number): string => {
    if (!holder.mem || p === 0) return '';
    const len = new Uint32Array(holder.mem.buffer, p - 4, 1)[0] ?? 0;
    return String.fromCharCode(...new Uint16Array(holder.mem.buffer, p, len / 2));
  };
  const cstr = (p: number): string => {
    if (!holder.mem) return '';
    const mem = new Uint8Array(holder.mem.buffer);
    let e = p;
    while (mem[e] !== 0) e++;
    return new TextDecoder().decode(mem.slice(p, e));
  };
  const env: Record<string, unknown> = {
    abort: (msg: number, file: number, line: number, col: number) => {
      throw new Error(`abort: ${readAsString(msg)} at ${readAsString(file)}:${line}:${col}`);
    },
    // The runtime's ABI imports: opa_abort's message is what the SDK would throw.
    opa_abort: (p: number) => {
      throw new Error(cstr(p));
    },
    opa_println: () => undefined,
  };
  const module = await Wasm.compile(bin);
  for (const imp of Wasm.Module.imports(module)) {
    if (imp.module === 'env' && imp.kind === 'function' && !(imp.name in env)) {
      env[imp.name] = () => {
        throw new Error(`unexpected call of import ${imp.name}`);
      };
    }
  }
  const instance = await Wasm.instantiate(module, { env });
  const exports = instance.exports as Record<string, unknown>;
  const memory = exports['memory'] as WasmMemory;
  holder.mem = memory;
  const fn = (name: string): ((...args: number[]) => number) => {
    const f = exports[name];
    if (typeof f !== 'function') throw new Error(`no export ${name}`);
    return f as (...args: number[]) => number;
  };
  const alloc = fn('lib_alloc');
  fn('lib_reset')();
  const outLen = fn('get_out_len');
  const bytes = (ptr: number, len: number): Uint8Array => new Uint8Array(memory.buffer, ptr, len).slice();
  return {
    exports,
    memory,
    put(s) {
      const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
      const p = alloc(b.length + 1);
      new Uint8Array(memory.buffer, p, b.length).set(b);
      return [p, b.length];
    },
    bytes,
    str: (ptr, len) => new TextDecoder().decode(bytes(ptr, len)),
    out: (ptr) => new TextDecoder().decode(bytes(ptr, outLen())),
    outBytes: (ptr) => bytes(ptr, outLen()),
    fn,
    reset: () => {
      fn('lib_reset')();
    },
  };
}
