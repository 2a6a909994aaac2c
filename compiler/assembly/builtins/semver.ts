// semver.is_valid and semver.compare (SemVer 2.0.0 precedence).
import { opa_boolean, opa_number_int } from '../value';
import { semver_is_valid, semver_compare } from '../lib/semver';
import { is_str, sp, sl } from './support/text';
import { type_error, err_begin, err_str, err_bytes, err_end } from './support/errors';

export function opa_builtin_semver_is_valid(v: usize): usize {
  if (!is_str(v)) return opa_boolean(false);
  return opa_boolean(semver_is_valid(sp(v), sl(v)));
}

function invalid(operand: string, v: usize): usize {
  err_begin();
  err_str('semver.compare: operand ');
  err_str(operand);
  err_str(': string "');
  err_bytes(sp(v), sl(v));
  err_str('" is not a valid SemVer');
  return err_end();
}

export function opa_builtin_semver_compare(a: usize, b: usize): usize {
  if (!is_str(a)) return type_error('semver.compare', 1, 'string', a);
  if (!is_str(b)) return type_error('semver.compare', 2, 'string', b);
  if (!semver_is_valid(sp(a), sl(a))) return invalid('1', a);
  if (!semver_is_valid(sp(b), sl(b))) return invalid('2', b);
  return opa_number_int(semver_compare(sp(a), sl(a), sp(b), sl(b)));
}
