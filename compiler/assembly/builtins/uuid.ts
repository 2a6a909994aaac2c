// uuid.parse: the fields of an RFC 4122 / RFC 9562 UUID as OPA (google/uuid) reports them:
// version, variant; time for v1/v2/v6/v7; clocksequence, nodeid, macvariables for v1/v2;
// domain and id for v2. uuid.rfc4122 needs randomness and is not provided in the sandbox.
import { malloc } from '../alloc';
import { opa_object, opa_number_int, opa_string } from '../value';
import { opa_object_insert } from '../collections';
import { is_str, sp, sl } from './support/text';
import { type_error } from './support/errors';

function hexv(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  if (c >= 97 && c <= 102) return <i32>c - 87;
  if (c >= 65 && c <= 70) return <i32>c - 55;
  return -1;
}

const U = memory.data(16);

/** Parses the 36/38/45/32-character forms into U; false if invalid. */
function parse(p: usize, n: usize): bool {
  let s = p;
  let len = n;
  if (len == 45) {
    // urn:uuid:
    const pre = 'urn:uuid:';
    for (let i = 0; i < 9; i++) {
      let c = <i32>load<u8>(s + <usize>i);
      if (c >= 65 && c <= 90) c += 32;
      if (c != pre.charCodeAt(i)) return false;
    }
    s += 9;
    len = 36;
  } else if (len == 38) {
    if (load<u8>(s) != 123 || load<u8>(s + 37) != 125) return false;
    s += 1;
    len = 36;
  }
  if (len == 36) {
    if (load<u8>(s + 8) != 45 || load<u8>(s + 13) != 45 || load<u8>(s + 18) != 45 || load<u8>(s + 23) != 45) return false;
  } else if (len != 32) return false;
  let k: usize = 0;
  let i: usize = 0;
  while (k < 16) {
    if (len == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) i++;
    const a = hexv(load<u8>(s + i));
    const b = hexv(load<u8>(s + i + 1));
    if (a < 0 || b < 0) return false;
    store<u8>(U + k, <u8>((a << 4) | b));
    k++;
    i += 2;
  }
  return true;
}

function b(i: usize): u64 {
  return <u64>load<u8>(U + i);
}

function key(s: string): usize {
  const n = s.length;
  const p = malloc(<usize>n);
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  return opa_string(p, <u32>n);
}

function put(o: usize, k: string, v: usize): void {
  opa_object_insert(o, key(k), v);
}

export function opa_builtin_uuid_parse(v: usize): usize {
  if (!is_str(v)) return type_error('uuid.parse', 1, 'string', v);
  // OPA: a string that is not a UUID makes the call undefined, not an error (even when strict).
  if (!parse(sp(v), sl(v))) return 0;
  const out = opa_object();
  const version = <i32>(b(6) >> 4);
  put(out, 'version', opa_number_int(version));
  const v8 = b(8);
  let variant = 'Reserved';
  if ((v8 & 0xc0) == 0x80) variant = 'RFC4122';
  else if ((v8 & 0xe0) == 0xc0) variant = 'Microsoft';
  else if ((v8 & 0xe0) == 0xe0) variant = 'Future';
  put(out, 'variant', key(variant));
  if (version == 1 || version == 2 || version == 6) {
    let t: u64;
    if (version == 6) t = (b(0) << 52) | (b(1) << 44) | (b(2) << 36) | (b(3) << 28) | (b(4) << 20) | (b(5) << 12) | ((b(6) & 0xf) << 8) | b(7);
    else t = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3) | (b(4) << 40) | (b(5) << 32) | ((b(6) & 0xf) << 56) | (b(7) << 48);
    // 100 ns ticks since 1582-10-15 → ns since the Unix epoch.
    put(out, 'time', opa_number_int((<i64>t - 122192928000000000) * 100));
  } else if (version == 7) {
    const ms = (b(0) << 40) | (b(1) << 32) | (b(2) << 24) | (b(3) << 16) | (b(4) << 8) | b(5);
    put(out, 'time', opa_number_int(<i64>ms * 1000000));
  }
  if (version == 1 || version == 2) {
    put(out, 'clocksequence', opa_number_int(<i64>(((b(8) << 8) | b(9)) & 0x3fff)));
    const node = malloc(17);
    const HEX = '0123456789abcdef';
    for (let i: usize = 0; i < 6; i++) {
      const x = <i32>b(10 + i);
      store<u8>(node + i * 3, <u8>HEX.charCodeAt(x >> 4));
      store<u8>(node + i * 3 + 1, <u8>HEX.charCodeAt(x & 15));
      if (i < 5) store<u8>(node + i * 3 + 2, 45);
    }
    put(out, 'nodeid', opa_string(node, 17));
    const n0 = b(10);
    const mac = (n0 & 2) != 0 ? ((n0 & 1) != 0 ? 'local:multicast' : 'local:unicast') : ((n0 & 1) != 0 ? 'global:multicast' : 'global:unicast');
    put(out, 'macvariables', key(mac));
  }
  if (version == 2) {
    const d = b(9);
    put(out, 'domain', key(d == 0 ? 'Person' : d == 1 ? 'Group' : d == 2 ? 'Org' : 'Unknown'));
    put(out, 'id', opa_number_int(<i64>((b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3))));
  }
  return out;
}
