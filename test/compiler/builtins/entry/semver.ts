export { lib_alloc, lib_reset, get_out_len } from '../../../../compiler/assembly/lib/alloc';
export { semver_is_valid, semver_compare } from '../../../../compiler/assembly/lib/semver';
