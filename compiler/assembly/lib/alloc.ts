// Scratch allocation and result passing for the pure algorithms in lib/.
// The algorithms never use AssemblyScript's managed heap (see wasm-toolchain-notes: `new`,
// string concat and Array<T> would use a second bump pointer that collides with the policy heap).
// Until the runtime's allocator is linked here, this is a self-contained bump allocator starting
// at __heap_base; `lib_alloc` is the single place to re-route.

let top: usize = 0;

/** Allocates n bytes (8-aligned), growing memory when needed. Never returns 0. */
export function lib_alloc(n: usize): usize {
  if (top == 0) top = (__heap_base + 7) & ~7;
  const p = top;
  top = (p + n + 7) & ~7;
  const pages = i32((top + 0xffff) >>> 16);
  const have = memory.size();
  if (pages > have) {
    if (memory.grow(pages - have) < 0) unreachable();
  }
  return p;
}

/** Resets the scratch allocator (tests only; the runtime resets its heap per evaluation). */
export function lib_reset(): void {
  top = 0;
}

/** Length of the byte string most recently returned by a lib function that returns a pointer. */
export let out_len: usize = 0;

export function set_out_len(n: usize): void {
  out_len = n;
}

export function get_out_len(): usize {
  return out_len;
}
