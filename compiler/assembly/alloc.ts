// Bump allocator over the SDK-provided memory. The heap pointer starts at the end of the policy's
// static data: the linker (src/emit/link.ts) replaces the initial value of `opa_rt_heap_ptr`.
// Nothing is ever freed individually: the SDK resets the heap before every evaluation (opa_eval's
// 6th argument, or opa_heap_ptr_set on the slow path), so a bump allocator is correct and fastest.

export let opa_rt_heap_ptr: usize = 0;

// @ts-ignore: decorator
@inline const PAGE: usize = 65536;

/** Allocates n bytes, 8-byte aligned, growing memory when needed. Never returns 0. */
export function malloc(n: usize): usize {
  const p = (opa_rt_heap_ptr + 7) & ~(<usize>7);
  const end = p + n;
  const size = (<usize>memory.size()) * PAGE;
  if (end > size) {
    const pages = <i32>((end - size + PAGE - 1) / PAGE);
    if (memory.grow(pages) < 0) unreachable();
  }
  opa_rt_heap_ptr = end;
  return p;
}

/** Allocates n zeroed bytes. */
export function calloc(n: usize): usize {
  const p = malloc(n);
  memory.fill(p, 0, n);
  return p;
}

export function opa_malloc(n: usize): usize {
  return malloc(n);
}

/** No-op: memory is reclaimed wholesale when the SDK resets the heap pointer. */
export function opa_free(p: usize): void {}

export function opa_heap_ptr_get(): usize {
  return opa_rt_heap_ptr;
}

export function opa_heap_ptr_set(p: usize): void {
  opa_rt_heap_ptr = p;
}
