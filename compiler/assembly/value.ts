// The value model shared by the runtime, the emitter (which lays out constants in the same
// format, see src/emit/layout.ts) and every builtin. A value is the address of a header in linear
// memory; address 0 means "undefined". Layouts (byte offsets, little endian, 8-byte aligned):
//
//   every value  @0 u8 type tag (TYPE_* below; the order is OPA's comparison order)
//   null         size 8
//   boolean      @4 u8 0|1                              size 8
//   number       @1 u8 kind (NUM_INT | NUM_F64 | NUM_REF)
//                @8 i64 (INT) | f64 (F64, and REF's approximation)
//                @4 u32 text length, @16 u32 text address (REF only: exact literal text)
//                                                      size 24
//   string       @4 u32 byte length, @8 u32 address of UTF-8 bytes (not NUL-terminated)  size 16
//   array        @4 u32 length, @8 u32 capacity, @12 u32 address of elements (u32 each)   size 16
//   object       like array; elements are (key, value) pairs sorted by key (OPA order)
//   set          like array; elements sorted (OPA order), no duplicates
//
// Collections are mutable only while being built (Make*/…Insert/Add statements); afterwards they
// are shared freely, so builtins must copy before changing anything they did not allocate.

import { malloc } from './alloc';

export const TYPE_NULL: u8 = 1;
export const TYPE_BOOLEAN: u8 = 2;
export const TYPE_NUMBER: u8 = 3;
export const TYPE_STRING: u8 = 4;
export const TYPE_ARRAY: u8 = 5;
export const TYPE_OBJECT: u8 = 6;
export const TYPE_SET: u8 = 7;

export const NUM_INT: u8 = 0;
export const NUM_F64: u8 = 1;
export const NUM_REF: u8 = 2;

export const NULL_VALUE: usize = memory.data<u8>([1, 0, 0, 0, 0, 0, 0, 0], 8);
export const TRUE_VALUE: usize = memory.data<u8>([2, 0, 0, 0, 1, 0, 0, 0], 8);
export const FALSE_VALUE: usize = memory.data<u8>([2, 0, 0, 0, 0, 0, 0, 0], 8);

// @ts-ignore: decorator
@inline export function vtype(v: usize): u8 {
  return load<u8>(v);
}

// ---- constructors ----------------------------------------------------------------------------

export function opa_null(): usize {
  return NULL_VALUE;
}

export function opa_boolean(b: bool): usize {
  return b ? TRUE_VALUE : FALSE_VALUE;
}

export function opa_number_int(i: i64): usize {
  const v = malloc(24);
  store<u32>(v, <u32>TYPE_NUMBER | (<u32>NUM_INT << 8));
  store<i64>(v, i, 8);
  return v;
}

/** A double; integral values that fit an i64 exactly become NUM_INT so equality stays cheap. */
export function opa_number_float(f: f64): usize {
  if (f == Math.floor(f) && f >= -9.2e18 && f <= 9.2e18) return opa_number_int(<i64>f);
  const v = malloc(24);
  store<u32>(v, <u32>TYPE_NUMBER | (<u32>NUM_F64 << 8));
  store<f64>(v, f, 8);
  return v;
}

/** A number kept as its exact decimal text (big or precise literals); approx is its double. */
export function opa_number_ref(text: usize, len: u32, approx: f64): usize {
  const v = malloc(24);
  store<u32>(v, <u32>TYPE_NUMBER | (<u32>NUM_REF << 8));
  store<u32>(v, len, 4);
  store<f64>(v, approx, 8);
  store<u32>(v, <u32>text, 16);
  return v;
}

export function opa_string(ptr: usize, len: u32): usize {
  const v = malloc(16);
  store<u32>(v, <u32>TYPE_STRING);
  store<u32>(v, len, 4);
  store<u32>(v, <u32>ptr, 8);
  return v;
}

/** A fresh string holding a copy of len bytes at ptr. */
export function opa_string_copy(ptr: usize, len: u32): usize {
  const d = malloc(len);
  memory.copy(d, ptr, len);
  return opa_string(d, len);
}

function new_collection(tag: u8, cap: u32, slots: u32): usize {
  const v = malloc(16);
  store<u32>(v, <u32>tag);
  store<u32>(v, 0, 4);
  store<u32>(v, cap, 8);
  store<u32>(v, cap > 0 ? <u32>malloc(<usize>cap * slots * 4) : 0, 12);
  return v;
}

export function opa_array_with_cap(cap: u32): usize {
  return new_collection(TYPE_ARRAY, cap, 1);
}

export function opa_array(): usize {
  return new_collection(TYPE_ARRAY, 0, 1);
}

export function opa_object(): usize {
  return new_collection(TYPE_OBJECT, 0, 2);
}

export function opa_set(): usize {
  return new_collection(TYPE_SET, 0, 1);
}

// ---- accessors -------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline export function bool_get(v: usize): bool {
  return load<u8>(v, 4) != 0;
}
// @ts-ignore: decorator
@inline export function num_kind(v: usize): u8 {
  return load<u8>(v, 1);
}
// @ts-ignore: decorator
@inline export function num_i64(v: usize): i64 {
  return load<i64>(v, 8);
}
// @ts-ignore: decorator
@inline export function num_ref_len(v: usize): u32 {
  return load<u32>(v, 4);
}
// @ts-ignore: decorator
@inline export function num_ref_ptr(v: usize): usize {
  return <usize>load<u32>(v, 16);
}
// @ts-ignore: decorator
@inline export function str_len(v: usize): u32 {
  return load<u32>(v, 4);
}
// @ts-ignore: decorator
@inline export function str_ptr(v: usize): usize {
  return <usize>load<u32>(v, 8);
}
/** Length of an array, object (pairs) or set. */
// @ts-ignore: decorator
@inline export function coll_len(v: usize): u32 {
  return load<u32>(v, 4);
}
// @ts-ignore: decorator
@inline export function coll_items(v: usize): usize {
  return <usize>load<u32>(v, 12);
}
// @ts-ignore: decorator
@inline export function arr_get(v: usize, i: u32): usize {
  return <usize>load<u32>(coll_items(v) + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline export function obj_key_at(v: usize, i: u32): usize {
  return <usize>load<u32>(coll_items(v) + (<usize>i << 3));
}
// @ts-ignore: decorator
@inline export function obj_val_at(v: usize, i: u32): usize {
  return <usize>load<u32>(coll_items(v) + (<usize>i << 3), 4);
}
// @ts-ignore: decorator
@inline export function set_get(v: usize, i: u32): usize {
  return <usize>load<u32>(coll_items(v) + (<usize>i << 2));
}

/** The number as a double (REF: its precomputed approximation). */
export function num_to_f64(v: usize): f64 {
  return num_kind(v) == NUM_INT ? <f64>load<i64>(v, 8) : load<f64>(v, 8);
}

/** True if v is a number with an exact integral value that fits i64 (stored in *out via return). */
export function num_is_int(v: usize): bool {
  const k = num_kind(v);
  if (k == NUM_INT) return true;
  const f = load<f64>(v, 8);
  if (k == NUM_REF && (f >= 9.0e15 || f <= -9.0e15)) return false;
  return f == Math.floor(f) && f >= -9.2e18 && f <= 9.2e18;
}

/** The integral value of a number for which num_is_int is true. */
export function num_to_i64(v: usize): i64 {
  return num_kind(v) == NUM_INT ? load<i64>(v, 8) : <i64>load<f64>(v, 8);
}

/** Reserves room for one more slot group in a collection (doubling), returns the items address. */
export function coll_reserve(v: usize, slots: u32): usize {
  const len = coll_len(v);
  const cap = load<u32>(v, 8);
  if (len < cap) return coll_items(v);
  const ncap: u32 = cap < 4 ? 4 : cap * 2;
  const items = malloc(<usize>ncap * slots * 4);
  if (len > 0) memory.copy(items, coll_items(v), <usize>len * slots * 4);
  store<u32>(v, ncap, 8);
  store<u32>(v, <u32>items, 12);
  return items;
}

/** The type tag of v, 0 for undefined (used by Is*Stmt). */
export function opa_value_type(v: usize): u32 {
  return v == 0 ? 0 : <u32>load<u8>(v);
}
