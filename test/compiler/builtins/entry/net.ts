export { lib_alloc, lib_reset, get_out_len } from '../../../../compiler/assembly/lib/alloc';
export { opa_json_parse, opa_json_dump } from '../../../../compiler/assembly/json';
export { opa_rt_set_strict_builtin_errors } from '../../../../compiler/assembly/builtins/support/errors';
export * from '../../../../compiler/assembly/builtins/net';
