/**
 * Builds the Microsoft Teams app package (`npm run teams:package`): fills the bot's app id into
 * manifests/teams/manifest.json, validates manifest and icons, and zips manifest.json, color.png and
 * outline.png (at the root of the zip, as Teams requires) into dist/teams-app.zip.
 *
 *   npx ts-node --transpile-only scripts/teams-package.ts [--out dist/teams-app.zip] [--dir manifests/teams]
 *   npx ts-node --transpile-only scripts/teams-package.ts --icons      # (re)draws color.png and outline.png
 *
 * The app id comes from MICROSOFT_APP_ID (environment or .env). Without it the package gets a
 * placeholder GUID and a warning: it validates, but Teams cannot reach a bot with that id.
 *
 * No dependencies beyond node: PNGs are written and read with node:zlib, the zip is a minimal
 * PKZIP writer (deflate, CRC-32, fixed timestamps so the same input gives the same bytes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { config as loadDotenv } from 'dotenv';

export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';
export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;
/** the colour of color.png's background; manifest.json's accentColor matches it */
export const ACCENT = { r: 0x2b, g: 0x57, b: 0x9a };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** the version format Teams accepts: major.minor.patch, digits only */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

// ------------------------------------------------------------------------------------------ CRC-32

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC), as PNG chunks and zip entries use it. */
export function crc32(buf: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ------------------------------------------------------------------------------------------ PNG

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An 8-bit RGBA PNG from `rgba` (width*height*4 bytes, row-major). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: expected ${width * height * 4} bytes, got ${rgba.length}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 4)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (1 + width * 4) + 1);
  }
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
  /** whether the image can hold transparency (an alpha channel, or a tRNS chunk) */
  hasAlpha: boolean;
  /** RGBA pixels, when this reader supports the format (8-bit, not interlaced); otherwise undefined */
  rgba?: Uint8Array;
}

/** Reads a PNG: checks the signature and every chunk CRC; decodes 8-bit non-interlaced images to RGBA. */
export function decodePng(buf: Buffer): DecodedPng {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG file');
  let pos = 8;
  let header: { width: number; height: number; bitDepth: number; colorType: number; interlaced: boolean } | undefined;
  const idat: Buffer[] = [];
  let palette: Buffer | undefined;
  let trns: Buffer | undefined;
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    if (pos + 12 + len > buf.length) throw new Error(`PNG chunk ${type} runs past the end of the file`);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (crc32(buf.subarray(pos + 4, pos + 8 + len)) !== buf.readUInt32BE(pos + 8 + len)) throw new Error(`PNG chunk ${type} has a bad CRC`);
    if (type === 'IHDR') header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), bitDepth: data[8], colorType: data[9], interlaced: data[12] === 1 };
    else if (type === 'PLTE') palette = Buffer.from(data);
    else if (type === 'tRNS') trns = Buffer.from(data);
    else if (type === 'IDAT') idat.push(Buffer.from(data));
    pos += 12 + len;
    if (type === 'IEND') break;
  }
  if (!header) throw new Error('PNG has no IHDR chunk');
  const { width, height, bitDepth, colorType, interlaced } = header;
  const hasAlpha = colorType === 4 || colorType === 6 || Boolean(trns);
  const out: DecodedPng = { width, height, bitDepth, colorType, interlaced, hasAlpha };
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (bitDepth !== 8 || interlaced || !channels) return out;

  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('PNG image data is truncated');
  const px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`PNG uses unknown filter type ${filter}`);
      px[y * stride + x] = v & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    let r: number, g: number, b: number, alpha = 255;
    if (colorType === 6) [r, g, b, alpha] = [px[i * 4], px[i * 4 + 1], px[i * 4 + 2], px[i * 4 + 3]];
    else if (colorType === 2) {
      [r, g, b] = [px[i * 3], px[i * 3 + 1], px[i * 3 + 2]];
      if (trns && trns.length >= 6 && r === trns.readUInt16BE(0) && g === trns.readUInt16BE(2) && b === trns.readUInt16BE(4)) alpha = 0;
    } else if (colorType === 4) [r, g, b, alpha] = [px[i * 2], px[i * 2], px[i * 2], px[i * 2 + 1]];
    else if (colorType === 0) {
      r = g = b = px[i];
      if (trns && trns.length >= 2 && r === trns.readUInt16BE(0)) alpha = 0;
    } else {
      const idx = px[i];
      if (!palette || idx * 3 + 2 >= palette.length) throw new Error('PNG palette index out of range');
      [r, g, b] = [palette[idx * 3], palette[idx * 3 + 1], palette[idx * 3 + 2]];
      alpha = trns && idx < trns.length ? trns[idx] : 255;
    }
    rgba.set([r, g, b, alpha], i * 4);
  }
  out.rgba = rgba;
  return out;
}

// ------------------------------------------------------------------------------------------ icons

/**
 * The symbol, a graduation cap, in unit coordinates (0..1 both ways, y down): a flat diamond board,
 * the cap under it, and a tassel hanging from the centre to the right.
 */
function inCap(x: number, y: number): boolean {
  const board = Math.abs(x - 0.5) / 0.46 + Math.abs(y - 0.36) / 0.2 <= 1;
  const cap = x >= 0.27 && x <= 0.73 && y >= 0.42 && y <= 0.62 && (x - 0.5) ** 2 / 0.23 ** 2 + (y - 0.5) ** 2 / 0.16 ** 2 <= 1.6;
  const cord = Math.abs(y - (0.36 + (x - 0.5) * 0.28)) <= 0.025 && x >= 0.5 && x <= 0.84;
  const pendant = x >= 0.815 && x <= 0.865 && y >= 0.43 && y <= 0.66;
  const tuft = Math.abs(x - 0.84) <= 0.045 && y >= 0.64 && y <= 0.74;
  return board || cap || cord || pendant || tuft;
}

/** Share of a pixel the symbol covers (4x4 supersampling); `pad` is the margin in unit coordinates. */
function coverage(px: number, py: number, size: number, pad: number): number {
  let hits = 0;
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) {
      const u = (px + (sx + 0.5) / 4) / size;
      const v = (py + (sy + 0.5) / 4) / size;
      const x = (u - pad) / (1 - 2 * pad);
      const y = (v - pad) / (1 - 2 * pad);
      if (x >= 0 && x <= 1 && y >= 0 && y <= 1 && inCap(x, y)) hits++;
    }
  }
  return hits / 16;
}

/** color.png: the white symbol, anti-aliased, on an opaque accent-coloured square. */
export function renderColorIcon(size = COLOR_ICON_SIZE): Buffer {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = coverage(x, y, size, 0.2);
      const i = (y * size + x) * 4;
      rgba[i] = Math.round(ACCENT.r + (255 - ACCENT.r) * c);
      rgba[i + 1] = Math.round(ACCENT.g + (255 - ACCENT.g) * c);
      rgba[i + 2] = Math.round(ACCENT.b + (255 - ACCENT.b) * c);
      rgba[i + 3] = 255;
    }
  }
  return encodePng(size, size, rgba);
}

/** outline.png: only pure white and fully transparent pixels, as Teams requires. */
export function renderOutlineIcon(size = OUTLINE_ICON_SIZE): Buffer {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (coverage(x, y, size, 0.04) >= 0.5) rgba.set([255, 255, 255, 255], (y * size + x) * 4);
    }
  }
  return encodePng(size, size, rgba);
}

// ------------------------------------------------------------------------------------------ zip

export interface ZipEntry { name: string; data: Buffer }

/** 2024-01-01 00:00 in MS-DOS format: a fixed timestamp keeps the package byte-for-byte reproducible. */
const DOS_TIME = 0;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;

/** A PKZIP archive (deflate, no zip64: fine for a few small files). */
export function writeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const deflated = zlib.deflateRawSync(e.data, { level: 9 });
    const stored = deflated.length >= e.data.length;
    const body = stored ? e.data : deflated;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: 2.0 (MS-DOS attributes)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal and external attributes: 0
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// ------------------------------------------------------------------------------------------ manifest

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

/** Replaces {{MICROSOFT_APP_ID}} everywhere in the manifest template and parses it. */
export function fillManifest(template: string, appId: string): Manifest {
  return JSON.parse(template.replace(/\{\{MICROSOFT_APP_ID\}\}/g, appId));
}

export interface PackageFiles { manifest: Manifest; files: Record<string, Buffer> }

/**
 * Everything Teams (and the Developer Portal) would refuse, as readable problems; empty when the package
 * is good. Checks the fields this app needs, not the whole JSON schema.
 */
export function validatePackage({ manifest: m, files }: PackageFiles, appId: string): string[] {
  const problems: string[] = [];
  const need = (cond: unknown, problem: string) => {
    if (!cond) problems.push(problem);
  };
  const str = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;
  const httpsUrl = (v: unknown) => str(v) && /^https:\/\/[^\s/]+\.[^\s]+$/.test(v);

  const leftover = JSON.stringify(m).match(/\{\{[A-Z0-9_]+\}\}/g);
  need(!leftover, `unreplaced placeholders: ${[...new Set(leftover ?? [])].join(', ')}`);
  need(str(m.manifestVersion), 'manifestVersion is required');
  need(str(m.$schema) && m.$schema.includes(`/v${m.manifestVersion}/`), `$schema must be the v${m.manifestVersion} schema URL`);
  need(str(m.version) && SEMVER.test(m.version), `version must be MAJOR.MINOR.PATCH (got ${JSON.stringify(m.version)})`);
  need(str(m.id) && GUID.test(m.id), `id must be a GUID (got ${JSON.stringify(m.id)})`);
  need(str(m.developer?.name), 'developer.name is required');
  for (const k of ['websiteUrl', 'privacyUrl', 'termsOfUseUrl']) need(httpsUrl(m.developer?.[k]), `developer.${k} must be an https URL`);
  need(str(m.name?.short) && m.name.short.length <= 30, 'name.short is required (at most 30 characters)');
  need(!m.name?.full || (str(m.name.full) && m.name.full.length <= 100), 'name.full is at most 100 characters');
  need(str(m.description?.short) && m.description.short.length <= 80, 'description.short is required (at most 80 characters)');
  need(str(m.description?.full) && m.description.full.length <= 4000, 'description.full is required (at most 4000 characters)');
  need(str(m.accentColor) && /^#[0-9a-fA-F]{6}$/.test(m.accentColor), 'accentColor must be #RRGGBB');

  const bots = Array.isArray(m.bots) ? m.bots : [];
  need(bots.length === 1, 'exactly one bot is expected');
  const bot = bots[0] ?? {};
  need(str(bot.botId) && GUID.test(bot.botId), `bots[0].botId must be a GUID (got ${JSON.stringify(bot.botId)})`);
  need(bot.botId === appId, `bots[0].botId must be the bot's app id ${appId} (MICROSOFT_APP_ID)`);
  const scopes: unknown[] = Array.isArray(bot.scopes) ? bot.scopes : [];
  need(scopes.length > 0 && scopes.every((s) => s === 'personal' || s === 'team' || s === 'groupChat'), 'bots[0].scopes must list personal, team and/or groupChat');
  for (const [i, list] of (Array.isArray(bot.commandLists) ? bot.commandLists : []).entries()) {
    const cmds: Manifest[] = Array.isArray(list.commands) ? list.commands : [];
    need(cmds.length >= 1 && cmds.length <= 10, `bots[0].commandLists[${i}] needs 1 to 10 commands`);
    need(Array.isArray(list.scopes) && list.scopes.every((s: unknown) => scopes.includes(s)), `bots[0].commandLists[${i}].scopes must be among the bot's scopes`);
    for (const c of cmds) {
      need(str(c.title) && c.title.length <= 32, `command ${JSON.stringify(c.title)}: title is required (at most 32 characters)`);
      need(str(c.description) && c.description.length <= 128, `command ${JSON.stringify(c.title)}: description is required (at most 128 characters)`);
    }
  }

  const icon = (key: 'color' | 'outline', size: number) => {
    const name = m.icons?.[key];
    if (!str(name)) return problems.push(`icons.${key} is required`);
    const data = files[name];
    if (!data) return problems.push(`icons.${key}: ${name} is missing`);
    let png: DecodedPng;
    try {
      png = decodePng(data);
    } catch (err) {
      return problems.push(`icons.${key}: ${name} is not a valid PNG (${(err as Error).message})`);
    }
    need(png.width === size && png.height === size, `icons.${key}: ${name} must be ${size}x${size} pixels (is ${png.width}x${png.height})`);
    if (key !== 'outline') return;
    need(png.hasAlpha, `icons.outline: ${name} must have a transparent background (no alpha channel)`);
    if (!png.rgba) return problems.push(`icons.outline: ${name} must be an 8-bit, non-interlaced PNG so its colours can be checked`);
    let transparent = 0, white = 0, other = 0;
    for (let i = 0; i < png.rgba.length; i += 4) {
      const [r, g, b, a] = png.rgba.subarray(i, i + 4);
      if (a === 0) transparent++;
      else if (r === 255 && g === 255 && b === 255) white++;
      else other++;
    }
    need(other === 0, `icons.outline: ${name} must be white on transparent (${other} pixels are neither)`);
    need(white > 0 && transparent > 0, `icons.outline: ${name} must have both white and transparent pixels`);
  };
  icon('color', COLOR_ICON_SIZE);
  icon('outline', OUTLINE_ICON_SIZE);
  return problems;
}

export interface BuildResult { outFile: string; appId: string; warnings: string[]; bytes: number }

/** Fills in, validates and zips; throws with every problem listed when the package is not valid. */
export function buildTeamsPackage(opts: { dir: string; outFile: string; appId?: string }): BuildResult {
  const warnings: string[] = [];
  let appId = opts.appId?.trim();
  if (!appId) {
    appId = PLACEHOLDER_APP_ID;
    warnings.push(`MICROSOFT_APP_ID is not set: using the placeholder ${PLACEHOLDER_APP_ID}. The package validates, but Teams cannot reach a bot with that id; set MICROSOFT_APP_ID and run again.`);
  } else if (!GUID.test(appId)) {
    throw new Error(`MICROSOFT_APP_ID must be the bot's Microsoft app id, a GUID (got "${appId}").`);
  }
  const template = fs.readFileSync(path.join(opts.dir, 'manifest.json'), 'utf8');
  const manifest = fillManifest(template, appId);
  const iconNames = [manifest.icons?.color, manifest.icons?.outline].filter((n): n is string => typeof n === 'string');
  const files: Record<string, Buffer> = {};
  for (const name of iconNames) {
    const p = path.join(opts.dir, name);
    if (fs.existsSync(p)) files[name] = fs.readFileSync(p);
  }
  const problems = validatePackage({ manifest, files }, appId);
  if (problems.length) throw new Error(`The Teams app package is not valid:\n  - ${problems.join('\n  - ')}`);
  if (JSON.stringify(manifest.developer ?? {}).includes('example.com')) {
    warnings.push('developer URLs in manifests/teams/manifest.json still point at example.com: fine for sideloading, replace them before publishing to your organisation.');
  }
  const zip = writeZip([
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8') },
    ...iconNames.map((name) => ({ name, data: files[name] })),
  ]);
  fs.mkdirSync(path.dirname(opts.outFile), { recursive: true });
  fs.writeFileSync(opts.outFile, zip);
  return { outFile: opts.outFile, appId, warnings, bytes: zip.length };
}

// ------------------------------------------------------------------------------------------ CLI

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const root = path.resolve(__dirname, '..');
  const dir = path.resolve(arg('--dir') ?? path.join(root, 'manifests', 'teams'));
  if (process.argv.includes('--icons')) {
    fs.writeFileSync(path.join(dir, 'color.png'), renderColorIcon());
    fs.writeFileSync(path.join(dir, 'outline.png'), renderOutlineIcon());
    process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(dir, 'color.png'))} (${COLOR_ICON_SIZE}x${COLOR_ICON_SIZE}) and outline.png (${OUTLINE_ICON_SIZE}x${OUTLINE_ICON_SIZE})\n`);
    return;
  }
  loadDotenv({ quiet: true });
  const outFile = path.resolve(arg('--out') ?? path.join(root, 'dist', 'teams-app.zip'));
  try {
    const result = buildTeamsPackage({ dir, outFile, appId: process.env.MICROSOFT_APP_ID });
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), result.outFile)} (${result.bytes} bytes, bot ${result.appId}): upload it in Teams > Apps > Manage your apps > Upload an app\n`);
  } catch (err) {
    process.stderr.write(`teams:package: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
