// Scratch allocation and result passing for the pure algorithms in lib/.
// The algorithms never use AssemblyScript's managed heap (see compiler/assembly/README.md); they
// allocate from the runtime's bump allocator, whose heap the SDK resets before every evaluation.
import { malloc, opa_heap_ptr_set } from '../alloc';

/** Allocates n bytes (8-aligned). Never returns 0. */
export function lib_alloc(n: usize): usize {
  return malloc(n);
}

/** Resets the heap to the end of static data (unit tests only; the SDK does this in the runtime). */
export function lib_reset(): void {
  opa_heap_ptr_set((__heap_base + 7) & ~(<usize>7));
}

/** Length of the byte string most recently returned by a lib function that returns a pointer. */
export let out_len: usize = 0;

export function set_out_len(n: usize): void {
  out_len = n;
}

export function get_out_len(): usize {
  return out_len;
}
