/**
 * The app's two icons, drawn from one symbol (a graduation cap), and the checks Teams applies to them:
 * color.png 192x192, outline.png 32x32 with only white and fully transparent pixels. PNGs are encoded and
 * decoded with @napi-rs/canvas.
 */
import { createCanvas, Image, ImageData } from '@napi-rs/canvas';

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;
/** the colour of color.png's background; manifest.json's accentColor matches it */
export const ACCENT = { r: 0x2b, g: 0x57, b: 0x9a };

/**
 * The symbol in unit coordinates (0..1 both ways, y down): a flat diamond board, the cap under it, and a
 * tassel hanging from the centre to the right.
 */
function inCap(x: number, y: number): boolean {
  const board = Math.abs(x - 0.5) / 0.46 + Math.abs(y - 0.36) / 0.2 <= 1;
  const cap = x >= 0.27 && x <= 0.73 && y >= 0.42 && y <= 0.62 && (x - 0.5) ** 2 / 0.23 ** 2 + (y - 0.5) ** 2 / 0.16 ** 2 <= 1.6;
  const cord = Math.abs(y - (0.36 + (x - 0.5) * 0.28)) <= 0.025 && x >= 0.5 && x <= 0.84;
  const pendant = x >= 0.815 && x <= 0.865 && y >= 0.43 && y <= 0.66;
  const tuft = Math.abs(x - 0.84) <= 0.045 && y >= 0.64 && y <= 0.74;
  return board || cap || cord || pendant || tuft;
}

/**
 * Share of a pixel the symbol covers (4x4 samples); `pad` is the margin in unit coordinates. Computed
 * per pixel rather than stroked on the canvas so that the pixels are the same on every machine (the
 * committed icons are compared with the generator's output).
 */
function coverage(px: number, py: number, size: number, pad: number): number {
  let hits = 0;
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) {
      const x = ((px + (sx + 0.5) / 4) / size - pad) / (1 - 2 * pad);
      const y = ((py + (sy + 0.5) / 4) / size - pad) / (1 - 2 * pad);
      if (x >= 0 && x <= 1 && y >= 0 && y <= 1 && inCap(x, y)) hits++;
    }
  }
  return hits / 16;
}

/** A PNG of `size`x`size` pixels, each given as [r, g, b, a] by `pixel`. */
function renderPng(size: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const image = new ImageData(size, size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) image.data.set(pixel(x, y), (y * size + x) * 4);
  const canvas = createCanvas(size, size);
  canvas.getContext('2d').putImageData(image, 0, 0);
  return canvas.encodeSync('png');
}

/** color.png: the white symbol, anti-aliased, on an opaque accent-coloured square. */
export function renderColorIcon(size = COLOR_ICON_SIZE): Buffer {
  return renderPng(size, (x, y) => {
    const c = coverage(x, y, size, 0.2);
    const mix = (v: number) => Math.round(v + (255 - v) * c);
    return [mix(ACCENT.r), mix(ACCENT.g), mix(ACCENT.b), 255];
  });
}

/** outline.png: only pure white and fully transparent pixels, as Teams requires. */
export function renderOutlineIcon(size = OUTLINE_ICON_SIZE): Buffer {
  return renderPng(size, (x, y) => (coverage(x, y, size, 0.04) >= 0.5 ? [255, 255, 255, 255] : [0, 0, 0, 0]));
}

export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');
/** the last chunk of every PNG (empty IEND and its CRC): the canvas draws a truncated file without complaint */
const PNG_END = Buffer.from('0000000049454e44ae426082', 'hex');

/** Decodes a PNG to RGBA pixels; throws when `data` is not a whole PNG the canvas can decode. */
export function decodePng(data: Uint8Array): DecodedImage {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG file');
  if (!bytes.subarray(-PNG_END.length).equals(PNG_END)) throw new Error('the file is truncated');
  const img = new Image();
  img.onerror = () => {}; // a broken image is reported below, from its missing size
  img.src = data;
  if (!img.width || !img.height) throw new Error('the image cannot be decoded');
  const ctx = createCanvas(img.width, img.height).getContext('2d');
  ctx.drawImage(img, 0, 0);
  return { width: img.width, height: img.height, rgba: ctx.getImageData(0, 0, img.width, img.height).data };
}

/** What Teams would refuse about the icons the manifest names; `files` maps file names to bytes. */
export function iconProblems(icons: { color?: unknown; outline?: unknown } | undefined, files: Record<string, Uint8Array>): string[] {
  const problems: string[] = [];
  for (const [key, size] of [
    ['color', COLOR_ICON_SIZE],
    ['outline', OUTLINE_ICON_SIZE],
  ] as const) {
    const name = icons?.[key];
    if (typeof name !== 'string' || !name) {
      problems.push(`icons.${key} is required`);
      continue;
    }
    if (!files[name]) {
      problems.push(`icons.${key}: ${name} is missing`);
      continue;
    }
    let png: DecodedImage;
    try {
      png = decodePng(files[name]);
    } catch (err) {
      problems.push(`icons.${key}: ${name} is not a valid PNG (${(err as Error).message})`);
      continue;
    }
    if (png.width !== size || png.height !== size)
      problems.push(`icons.${key}: ${name} must be ${size}x${size} pixels (is ${png.width}x${png.height})`);
    if (key !== 'outline') continue;
    let transparent = 0,
      white = 0,
      other = 0;
    for (let i = 0; i < png.rgba.length; i += 4) {
      const [r, g, b, a] = png.rgba.subarray(i, i + 4);
      if (a === 0) transparent++;
      else if (r === 255 && g === 255 && b === 255)
        white++; // white at any opacity
      else other++;
    }
    if (other) problems.push(`icons.outline: ${name} must be white on transparent (${other} pixels are neither)`);
    if (!transparent) problems.push(`icons.outline: ${name} must have a transparent background`);
    if (!white) problems.push(`icons.outline: ${name} must have white pixels`);
  }
  return problems;
}
