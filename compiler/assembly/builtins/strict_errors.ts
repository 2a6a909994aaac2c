// Exposes the strict-builtin-errors flag (support/errors.ts) as a runtime export, so the linker
// can set its initial value (EmitOptions.strictBuiltinErrors).
export { opa_rt_strict_builtin_errors } from './support/errors';
