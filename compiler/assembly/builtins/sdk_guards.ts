// Guards for builtins the SDK implements in JS (emit/index.ts SDK_BUILTINS): where the SDK's answer
// differs from OPA's for some arguments, the guard gives OPA's answer first. A guard returns a value
// (the call's result) or 0 to let the SDK answer. Named opa_sdkguard_<builtin>; the linker calls
// it before the SDK import when it exists.
import { opa_boolean } from '../value';
import { is_str } from './support/text';

/** OPA: yaml.is_valid of a non-string is false (the SDK makes it undefined). */
export function opa_sdkguard_yaml_is_valid(v: usize): usize {
  return is_str(v) ? 0 : opa_boolean(false);
}
