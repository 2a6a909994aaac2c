// Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+ or "0".
// Fractions are applied as Go does (float64(frac) * (unit / scale)), so results match exactly.

export let dur_ok: bool = false;

function unit_len_and_ns(p: usize, n: usize): i64 {
  // Returns unit nanoseconds and sets unitLen; 0 if unknown.
  const c0 = n > 0 ? load<u8>(p) : 0;
  const c1 = n > 1 ? load<u8>(p + 1) : 0;
  if (c0 == 110 && c1 == 115) { unitLen = 2; return 1; } // ns
  if (c0 == 117 && c1 == 115) { unitLen = 2; return 1000; } // us
  if (c0 == 0xc2 && c1 == 0xb5 && n > 2 && load<u8>(p + 2) == 115) { unitLen = 3; return 1000; } // µs
  if (c0 == 0xce && c1 == 0xbc && n > 2 && load<u8>(p + 2) == 115) { unitLen = 3; return 1000; } // μs
  if (c0 == 109 && c1 == 115) { unitLen = 2; return 1000000; } // ms
  if (c0 == 115) { unitLen = 1; return 1000000000; } // s
  if (c0 == 109) { unitLen = 1; return 60000000000; } // m
  if (c0 == 104) { unitLen = 1; return 3600000000000; } // h
  return 0;
}

let unitLen: usize = 0;

function is_digit(c: u32): bool {
  return c >= 48 && c <= 57;
}

export function parse_duration(p: usize, n: usize): i64 {
  dur_ok = false;
  let i: usize = 0;
  let neg = false;
  if (i < n && (load<u8>(p) == 45 || load<u8>(p) == 43)) {
    neg = load<u8>(p) == 45;
    i++;
  }
  if (n - i == 1 && load<u8>(p + i) == 48) {
    dur_ok = true;
    return 0;
  }
  if (i == n) return 0;
  let total: u64 = 0;
  while (i < n) {
    // integer part
    let v: u64 = 0;
    let pre = false;
    while (i < n && is_digit(load<u8>(p + i))) {
      if (v > 922337203685477580) return 0; // overflow
      v = v * 10 + <u64>(load<u8>(p + i) - 48);
      pre = true;
      i++;
    }
    let f: u64 = 0;
    let scale: f64 = 1;
    let post = false;
    if (i < n && load<u8>(p + i) == 46) {
      i++;
      while (i < n && is_digit(load<u8>(p + i))) {
        if (f < 100000000000000000) {
          f = f * 10 + <u64>(load<u8>(p + i) - 48);
          scale *= 10;
        }
        post = true;
        i++;
      }
    }
    if (!pre && !post) return 0;
    const unit = unit_len_and_ns(p + i, n - i);
    if (unit == 0) return 0;
    i += unitLen;
    if (v > <u64>(9223372036854775807 / unit)) return 0;
    v *= <u64>unit;
    if (f > 0) {
      v += <u64>(<f64>f * (<f64>unit / scale));
    }
    total += v;
    if (total > 9223372036854775807) return 0;
  }
  dur_ok = true;
  return neg ? -<i64>total : <i64>total;
}
