// The tray icon for each state, drawn as PNG bytes at run time (no binary assets to keep in git):
// a filled disc — green compliant, amber warning, red blocked — with a white mark (check, bar, cross)
// so the state does not depend on colour alone.
import { deflateSync, crc32 } from 'node:zlib';
import type { TrayState } from './tray-model.ts';

export const STATE_COLOUR: Record<TrayState, [number, number, number]> = {
  compliant: [0x1b, 0x7a, 0x3d],
  warning: [0xc7, 0x7c, 0x02],
  blocked: [0xc6, 0x28, 0x28],
};

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** Encodes RGBA pixels (row-major, 4 bytes each) as a PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Is (x, y), in units of the icon's size (0..1), on the white mark of this state? */
function onMark(state: TrayState, x: number, y: number): boolean {
  const w = 0.09; // stroke half-width
  const near = (ax: number, ay: number, bx: number, by: number): boolean => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) < w;
  };
  if (state === 'compliant') return near(0.3, 0.52, 0.44, 0.66) || near(0.44, 0.66, 0.71, 0.36);
  if (state === 'warning') return near(0.5, 0.28, 0.5, 0.56) || Math.hypot(x - 0.5, y - 0.72) < w;
  return near(0.32, 0.32, 0.68, 0.68) || near(0.68, 0.32, 0.32, 0.68);
}

/** The icon of one state, `size` pixels square (16 and 32 for the tray's 1x and 2x). */
export function stateIcon(state: TrayState, size: number): Buffer {
  const px = new Uint8Array(size * size * 4);
  const [r, g, b] = STATE_COLOUR[state];
  const S = 4; // 4×4 samples per pixel for smooth edges
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let disc = 0;
      let mark = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const u = (x + (sx + 0.5) / S) / size;
          const v = (y + (sy + 0.5) / S) / size;
          if (Math.hypot(u - 0.5, v - 0.5) <= 0.47) {
            disc += 1;
            if (onMark(state, u, v)) mark += 1;
          }
        }
      }
      const i = (y * size + x) * 4;
      const m = disc ? mark / disc : 0;
      px[i] = Math.round(r + (255 - r) * m);
      px[i + 1] = Math.round(g + (255 - g) * m);
      px[i + 2] = Math.round(b + (255 - b) * m);
      px[i + 3] = Math.round((255 * disc) / (S * S));
    }
  }
  return encodePng(size, size, px);
}
