// Base64 (RFC 4648) standard and URL-safe alphabets, with or without padding, as Go's
// encoding/base64 does (decoding is strict about padding and ignores \r and \n).

const STD = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118,
  119, 120, 121, 122, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 43, 47,
]);

function sym(i: u32, url: bool): u8 {
  if (url && i == 62) return 45; // '-'
  if (url && i == 63) return 95; // '_'
  return load<u8>(STD + <usize>i);
}

export function b64_encoded_len(n: usize, pad: bool): usize {
  return pad ? ((n + 2) / 3) * 4 : (n * 8 + 5) / 6;
}

/** Encodes n bytes at p into out; returns the output length. */
export function b64_encode(p: usize, n: usize, out: usize, url: bool, pad: bool): usize {
  let q = out;
  let i: usize = 0;
  while (i + 3 <= n) {
    const v = (<u32>load<u8>(p + i) << 16) | (<u32>load<u8>(p + i + 1) << 8) | <u32>load<u8>(p + i + 2);
    store<u8>(q, sym((v >> 18) & 63, url));
    store<u8>(q + 1, sym((v >> 12) & 63, url));
    store<u8>(q + 2, sym((v >> 6) & 63, url));
    store<u8>(q + 3, sym(v & 63, url));
    q += 4;
    i += 3;
  }
  const rem = n - i;
  if (rem > 0) {
    let v = <u32>load<u8>(p + i) << 16;
    if (rem == 2) v |= <u32>load<u8>(p + i + 1) << 8;
    store<u8>(q, sym((v >> 18) & 63, url));
    store<u8>(q + 1, sym((v >> 12) & 63, url));
    q += 2;
    if (rem == 2) {
      store<u8>(q, sym((v >> 6) & 63, url));
      q++;
    } else if (pad) {
      store<u8>(q, 61);
      q++;
    }
    if (pad) {
      store<u8>(q, 61);
      q++;
    }
  }
  return q - out;
}

function val(c: u32, url: bool): i32 {
  if (c >= 65 && c <= 90) return <i32>c - 65;
  if (c >= 97 && c <= 122) return <i32>c - 71;
  if (c >= 48 && c <= 57) return <i32>c + 4;
  if (url) {
    if (c == 45) return 62;
    if (c == 95) return 63;
  } else {
    if (c == 43) return 62;
    if (c == 47) return 63;
  }
  return -1;
}

/** Where the last failed b64_decode found bad input (Go's CorruptInputError offset). */
export let b64_error_at: usize = 0;

/**
 * Decodes into out (needs n*3/4+3 bytes). Returns the output length or -1 if invalid.
 * pad: padding required (Go's StdEncoding/URLEncoding); otherwise it must be absent.
 */
export function b64_decode(p: usize, n: usize, out: usize, url: bool, pad: bool): isize {
  let acc: u32 = 0;
  let bits: u32 = 0;
  let q = out;
  let count: usize = 0; // symbols seen (excluding \r \n)
  let i: usize = 0;
  for (; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 10 || c == 13) continue;
    if (c == 61) break;
    const v = val(c, url);
    if (v < 0) {
      b64_error_at = i;
      return -1;
    }
    acc = (acc << 6) | <u32>v;
    bits += 6;
    count++;
    if (bits >= 8) {
      bits -= 8;
      store<u8>(q, <u8>(acc >> bits));
      q++;
    }
  }
  const rem = count % 4;
  if (rem == 1) {
    b64_error_at = i - 1;
    return -1;
  }
  if (i < n) {
    // Padding present.
    if (!pad) {
      b64_error_at = i;
      return -1;
    }
    let pads: usize = 0;
    for (; i < n; i++) {
      const c = load<u8>(p + i);
      if (c == 10 || c == 13) continue;
      if (c != 61) {
        b64_error_at = i;
        return -1;
      }
      pads++;
    }
    if (rem == 0 || pads != 4 - rem) {
      b64_error_at = n;
      return -1;
    }
  } else if (pad && rem != 0) {
    b64_error_at = n;
    return -1;
  }
  return <isize>(q - out);
}
