// Comparison builtins (==, !=, <, <=, >, >=): any two values, OPA's total order.
import { opa_boolean } from '../value';
import { opa_value_compare, opa_value_equal } from '../compare';

export function opa_builtin_equal(a: usize, b: usize): usize { return opa_boolean(opa_value_equal(a, b)); }
export function opa_builtin_neq(a: usize, b: usize): usize { return opa_boolean(!opa_value_equal(a, b)); }
export function opa_builtin_lt(a: usize, b: usize): usize { return opa_boolean(opa_value_compare(a, b) < 0); }
export function opa_builtin_lte(a: usize, b: usize): usize { return opa_boolean(opa_value_compare(a, b) <= 0); }
export function opa_builtin_gt(a: usize, b: usize): usize { return opa_boolean(opa_value_compare(a, b) > 0); }
export function opa_builtin_gte(a: usize, b: usize): usize { return opa_boolean(opa_value_compare(a, b) >= 0); }
