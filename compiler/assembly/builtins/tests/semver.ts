// asc test entry: thin exports over lib/ and builtins/ for test/compiler/builtins (not part of runtime.wasm).
export { lib_alloc, lib_reset, get_out_len } from '../../lib/alloc';
export { semver_is_valid, semver_compare } from '../../lib/semver';
