// asc test entry: thin exports over lib/ and builtins/ for test/compiler/builtins (not part of runtime.wasm).
export { lib_alloc, lib_reset, get_out_len } from '../../lib/alloc';
export { opa_json_parse, opa_json_dump } from '../../json';
export { opa_rt_set_strict_builtin_errors } from '../support/errors';
export * from '../template';
