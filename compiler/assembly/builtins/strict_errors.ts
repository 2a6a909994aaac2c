// Exposes the strict-builtin-errors flag (support/errors.ts) as a runtime export, so the linker
// can set its initial value (EmitOptions.strictBuiltinErrors), and the current builtin call's
// location, which generated code sets before each builtin call when strict.
export { opa_rt_strict_builtin_errors, opa_rt_call_loc } from './support/errors';
