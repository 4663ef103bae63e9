// Draws the extension's icon, media/icon.png (128x128 RGBA): three records in a
// queue, the last one amber, under a magnifying lens. Plain geometry,
// anti-aliased by 4x4 supersampling, encoded with node's zlib; no downloads,
// no image tools.
//
//   node scripts/package-icon.mjs           writes media/icon.png
//   node scripts/package-icon.mjs --check   exits 1 when media/icon.png's pixels differ from what this draws
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ICON = resolve(ROOT, 'media', 'icon.png');
const SIZE = 128;
const SS = 4; // samples per pixel per axis

const BACKGROUND = [0x17, 0x21, 0x2b];
const RECORD = [0x3f, 0xb6, 0xa8];
const SUSPECT = [0xe8, 0xa3, 0x3d];
const LENS = [0xe9, 0xee, 0xf2];

function inRoundedRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function distToSegment(x, y, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

/** The colour and opacity at one sample point, painting back to front. */
function sample(x, y) {
  if (!inRoundedRect(x, y, 0, 0, SIZE, SIZE, 24)) return [0, 0, 0, 0];
  let c = BACKGROUND;
  // The queue: three records, head at the top; the amber one is the record in question.
  const bars = [
    [18, 30, 96, RECORD],
    [18, 56, 84, RECORD],
    [18, 82, 70, SUSPECT],
  ];
  for (const [x0, y0, x1, colour] of bars) if (inRoundedRect(x, y, x0, y0, x1, y0 + 14, 5)) c = colour;
  // The lens: a glass disc that lightens what is under it, a ring, a handle.
  const lx = 76;
  const ly = 64;
  const d = Math.hypot(x - lx, y - ly);
  if (d < 24) c = c.map((v) => Math.round(v + (255 - v) * 0.22));
  if (d >= 24 && d <= 32) c = LENS;
  if (distToSegment(x, y, 98, 86, 114, 102) <= 6.5) c = LENS;
  return [...c, 255];
}

/** The image as PNG scanlines: filter byte 0, then RGBA (straight alpha). */
export function renderScanlines() {
  const stride = SIZE * 4 + 1;
  const out = Buffer.alloc(stride * SIZE);
  for (let py = 0; py < SIZE; py++) {
    out[py * stride] = 0;
    for (let px = 0; px < SIZE; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const [sr, sg, sb, sa] = sample(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS);
          r += sr * sa;
          g += sg * sa;
          b += sb * sa;
          a += sa;
        }
      }
      const o = py * stride + 1 + px * 4;
      out[o] = a ? Math.round(r / a) : 0;
      out[o + 1] = a ? Math.round(g / a) : 0;
      out[o + 2] = a ? Math.round(b / a) : 0;
      out[o + 3] = Math.round(a / (SS * SS));
    }
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng(scanlines) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(scanlines, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The inflated IDAT data of a PNG written by encodePng (filter 0 on every line). */
export function decodeScanlines(png) {
  const idat = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    if (png.toString('latin1', off + 4, off + 8) === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  return inflateSync(Buffer.concat(idat));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const scanlines = renderScanlines();
  if (process.argv.includes('--check')) {
    const same = decodeScanlines(readFileSync(ICON)).equals(scanlines);
    if (!same) console.error(`${ICON} differs from what scripts/package-icon.mjs draws; run it to regenerate`);
    process.exit(same ? 0 : 1);
  }
  mkdirSync(dirname(ICON), { recursive: true });
  writeFileSync(ICON, encodePng(scanlines));
  console.log(ICON);
}
