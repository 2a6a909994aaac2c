// A bundle "compiler" for tests where the policy's content does not matter (authorization, ordering,
// transport): a valid empty WASM module beside the ban list as data.json. Tests that need decisions
// compile the real fleet policy instead.
import type { CompileBundle } from '../../server/src/bundle-builder.ts';

/** The 8-byte header of an empty WebAssembly module. */
export const EMPTY_WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

export const transportCompile: CompileBundle = async ({ data, revision }) =>
  new Map([
    ['.manifest', Buffer.from(JSON.stringify({ revision, roots: [''], wasm: [{ entrypoint: 'warden/decisions', module: '/policy.wasm' }] }))],
    ['policy.wasm', EMPTY_WASM],
    ['data.json', Buffer.from(JSON.stringify(data))],
  ]);
