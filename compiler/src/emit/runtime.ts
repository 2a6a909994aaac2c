// Loads binaryen (14.8 MB, ~0.5 s cold) and the prebuilt runtime.wasm once per process; every
// emitWasm call then reads a fresh module from the cached bytes (a few ms warm).
import { readFileSync, existsSync } from 'node:fs';
import type binaryenNs from 'binaryen';
import { installPath } from '../../../wire/src/install-root.ts';

export type Binaryen = typeof binaryenNs;
export type Module = binaryenNs.Module;

export const RUNTIME_WASM_PATH = installPath('compiler/build/runtime.wasm');

export interface DataSegmentInfo {
  name: string;
  offset: number;
  data: ArrayBuffer;
  passive: boolean;
}

// binaryen 132's index.d.ts declares getNumMemorySegments/getMemorySegmentInfo, which do not exist
// at runtime; these are the functions index.js really has.
export interface ModuleDataSegments {
  getNumDataSegments(): number;
  getDataSegmentByIndex(i: number): number;
  getDataSegmentInfo(ref: number): DataSegmentInfo;
}

interface Loaded {
  binaryen: Binaryen;
  runtime: Uint8Array;
}

let loading: Promise<Loaded> | undefined;

export function loadToolchain(): Promise<Loaded> {
  loading ??= (async () => {
    if (!existsSync(RUNTIME_WASM_PATH)) {
      throw new Error(`WASM runtime not built: ${RUNTIME_WASM_PATH} is missing (run \`npm run build\`)`);
    }
    const runtime = new Uint8Array(readFileSync(RUNTIME_WASM_PATH));
    const mod = await import('binaryen');
    return { binaryen: mod.default, runtime };
  })();
  loading.catch(() => { loading = undefined; });
  return loading;
}
