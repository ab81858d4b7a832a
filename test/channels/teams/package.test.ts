import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  buildTeamsPackage, crc32, decodePng, encodePng, fillManifest, PLACEHOLDER_APP_ID, renderColorIcon, renderOutlineIcon, validatePackage, writeZip,
  type Manifest,
} from '../../../scripts/teams-package';

const ROOT = path.resolve(__dirname, '../../..');
const DIR = path.join(ROOT, 'manifests', 'teams');
const read = (name: string) => fs.readFileSync(path.join(DIR, name));

/** A minimal zip reader (central directory, then each local entry), checking sizes and CRCs. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(p), 0x02014b50);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const csize = zip.readUInt32LE(p + 20);
    const usize = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extra = zip.readUInt16LE(p + 30);
    const comment = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    assert.equal(zip.readUInt32LE(local), 0x04034b50);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(start, start + csize);
    const data = method === 8 ? zlib.inflateRawSync(body) : Buffer.from(body);
    assert.equal(data.length, usize, name);
    assert.equal(crc32(data), crc, `${name} CRC`);
    out.set(name, data);
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

/** A PNG whose rows use every filter type (the encoder only writes filter 0), to test the reader's unfiltering. */
function filteredPng(width: number, height: number, rgba: Uint8Array, colorType: 2 | 6 = 6): Buffer {
  const ch = colorType === 6 ? 4 : 3;
  const px = Buffer.alloc(width * height * ch);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < ch; c++) px[i * ch + c] = rgba[i * 4 + c];
  const stride = width * ch;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const f = y % 5;
    const row = Buffer.alloc(stride + 1);
    row[0] = f;
    for (let x = 0; x < stride; x++) {
      const cur = px[y * stride + x];
      const a = x >= ch ? px[y * stride + x - ch] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= ch && y > 0 ? px[(y - 1) * stride + x - ch] : 0;
      const pred = [0, a, b, (a + b) >> 1, (() => {
        const p = a + b - c; const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      })()][f];
      row[x + 1] = (cur - pred) & 0xff;
    }
    rows.push(row);
  }
  const base = encodePng(width, height, rgba);
  // swap the IHDR colour type and the IDAT of the plain encoding for ours
  const chunkOf = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.from(base.subarray(16, 29));
  ihdr[9] = colorType;
  return Buffer.concat([base.subarray(0, 8), chunkOf('IHDR', ihdr), chunkOf('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunkOf('IEND', Buffer.alloc(0))]);
}

const manifestFor = (appId: string): Manifest => fillManifest(read('manifest.json').toString('utf8'), appId);
const icons = () => ({ 'color.png': read('color.png'), 'outline.png': read('outline.png') });

describe('Teams app package', () => {
  it('computes the standard CRC-32', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
  });

  it('reads back the PNGs it writes, and PNGs using every row filter', () => {
    const w = 7, h = 6;
    const rgba = new Uint8Array(w * h * 4).map((_, i) => (i * 37 + 11) & 0xff);
    assert.deepEqual(decodePng(encodePng(w, h, rgba)).rgba, rgba);
    assert.deepEqual(decodePng(filteredPng(w, h, rgba)).rgba, rgba);
    const rgb = decodePng(filteredPng(w, h, rgba, 2));
    assert.equal(rgb.hasAlpha, false);
    assert.deepEqual([...rgb.rgba!.subarray(0, 4)], [rgba[0], rgba[1], rgba[2], 255]);
    const corrupt = encodePng(w, h, rgba);
    corrupt[corrupt.length - 20] ^= 0xff;
    assert.throws(() => decodePng(corrupt), /CRC/);
    assert.throws(() => decodePng(Buffer.from('GIF89a')), /not a PNG/);
  });

  it('commits icons that match the generator: color 192x192 opaque, outline 32x32 white on transparent', () => {
    // pixels, not bytes: another zlib may compress the same image differently
    assert.deepEqual(decodePng(read('color.png')).rgba, decodePng(renderColorIcon()).rgba, 'manifests/teams/color.png is stale: run `npm run teams:icons`');
    assert.deepEqual(decodePng(read('outline.png')).rgba, decodePng(renderOutlineIcon()).rgba, 'manifests/teams/outline.png is stale: run `npm run teams:icons`');
    const color = decodePng(read('color.png'));
    assert.deepEqual([color.width, color.height], [192, 192]);
    const outline = decodePng(read('outline.png'));
    assert.deepEqual([outline.width, outline.height, outline.hasAlpha], [32, 32, true]);
    const alphas = new Set<number>();
    for (let i = 0; i < outline.rgba!.length; i += 4) alphas.add(outline.rgba![i + 3]);
    assert.deepEqual([...alphas].sort((a, b) => a - b), [0, 255]);
  });

  it('validates the committed manifest with the v1.17 schema, all three scopes and the commands', () => {
    const appId = randomUUID();
    const m = manifestFor(appId);
    assert.deepEqual(validatePackage({ manifest: m, files: icons() }, appId), []);
    assert.equal(m.$schema, 'https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json');
    assert.equal(m.id, appId);
    assert.equal(m.bots[0].botId, appId);
    assert.deepEqual(m.bots[0].scopes, ['personal', 'team', 'groupChat']);
    const titles = m.bots[0].commandLists.flatMap((l: Manifest) => l.commands.map((c: Manifest) => c.title));
    for (const t of ['help', 'report', 'progress', 'quiz', 'recommend', 'dashboard']) assert.ok(titles.includes(t), t);
  });

  it('reports what Teams would refuse', () => {
    const appId = randomUUID();
    const problems = (mutate: (m: Manifest, files: Record<string, Buffer>) => void, id = appId) => {
      const m = manifestFor(appId);
      const files = icons();
      mutate(m, files);
      return validatePackage({ manifest: m, files }, id).join('\n');
    };
    assert.match(problems((m) => { m.id = 'learning-assistant'; }), /id must be a GUID/);
    assert.match(problems(() => {}, randomUUID()), /botId must be the bot's app id/);
    assert.match(problems((m) => { m.version = '1.0'; }), /version must be MAJOR.MINOR.PATCH/);
    assert.match(problems((m) => { m.description.short = 'x'.repeat(81); }), /description.short/);
    assert.match(problems((m) => { m.developer.privacyUrl = 'http://example.com/privacy'; }), /developer.privacyUrl/);
    assert.match(problems((m) => { m.name.short = '{{APP_NAME}}'; }), /unreplaced placeholders: \{\{APP_NAME\}\}/);
    assert.match(problems((m) => { m.bots[0].scopes = ['personal', 'meetings']; }), /scopes/);
    assert.match(problems((m) => { m.bots[0].commandLists[0].commands[0].title = 'x'.repeat(33); }), /at most 32/);
    assert.match(problems((_m, f) => { f['color.png'] = renderColorIcon(96); }), /color.png must be 192x192 pixels \(is 96x96\)/);
    assert.match(problems((_m, f) => { f['outline.png'] = renderOutlineIcon(48); }), /outline.png must be 32x32/);
    assert.match(problems((_m, f) => { delete f['outline.png']; }), /outline.png is missing/);
    assert.match(problems((_m, f) => { f['outline.png'] = Buffer.from('nope'); }), /not a valid PNG/);
    // a grey pixel, and an image without an alpha channel
    const grey = decodePng(renderOutlineIcon()).rgba!;
    grey.set([128, 128, 128, 255], 0);
    assert.match(problems((_m, f) => { f['outline.png'] = encodePng(32, 32, grey); }), /white on transparent \(1 pixels are neither\)/);
    assert.match(problems((_m, f) => { f['outline.png'] = filteredPng(32, 32, decodePng(renderOutlineIcon()).rgba!, 2); }), /transparent background/);
  });

  describe('building the zip', () => {
    let tmp: string;
    beforeEach(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'teams-pkg-'));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('fills in the app id and zips manifest.json, color.png and outline.png at the root, reproducibly', () => {
      const appId = randomUUID();
      const outFile = path.join(tmp, 'teams-app.zip');
      const result = buildTeamsPackage({ dir: DIR, outFile, appId });
      assert.equal(result.appId, appId);
      assert.ok(result.warnings.every((w) => !/MICROSOFT_APP_ID/.test(w)));
      const zip = fs.readFileSync(outFile);
      const entries = readZip(zip);
      assert.deepEqual([...entries.keys()], ['manifest.json', 'color.png', 'outline.png']);
      const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8'));
      assert.equal(manifest.id, appId);
      assert.equal(manifest.bots[0].botId, appId);
      assert.ok(entries.get('color.png')!.equals(read('color.png')));
      assert.ok(entries.get('outline.png')!.equals(read('outline.png')));

      buildTeamsPackage({ dir: DIR, outFile: path.join(tmp, 'again.zip'), appId });
      assert.ok(fs.readFileSync(path.join(tmp, 'again.zip')).equals(zip), 'same input, same bytes');

      if (spawnSync('unzip', ['-v']).status === 0) execFileSync('unzip', ['-tq', outFile]); // throws if the archive is bad
    });

    it('uses a placeholder GUID with a warning when MICROSOFT_APP_ID is unset, and refuses a non-GUID', () => {
      const result = buildTeamsPackage({ dir: DIR, outFile: path.join(tmp, 'p.zip') });
      assert.equal(result.appId, PLACEHOLDER_APP_ID);
      assert.ok(result.warnings.some((w) => /MICROSOFT_APP_ID is not set/.test(w)));
      assert.equal(JSON.parse(readZip(fs.readFileSync(result.outFile)).get('manifest.json')!.toString()).bots[0].botId, PLACEHOLDER_APP_ID);
      assert.throws(() => buildTeamsPackage({ dir: DIR, outFile: path.join(tmp, 'x.zip'), appId: 'my-bot' }), /must be the bot's Microsoft app id, a GUID/);
      assert.equal(fs.existsSync(path.join(tmp, 'x.zip')), false);
    });

    it('refuses to write an invalid package, listing every problem', () => {
      fs.writeFileSync(path.join(tmp, 'manifest.json'), read('manifest.json').toString().replace(/"version": "[^"]*"/, '"version": "one"'));
      fs.writeFileSync(path.join(tmp, 'color.png'), renderColorIcon(100));
      assert.throws(() => buildTeamsPackage({ dir: tmp, outFile: path.join(tmp, 'bad.zip'), appId: randomUUID() }),
        (e: Error) => /version must be/.test(e.message) && /192x192/.test(e.message) && /outline.png is missing/.test(e.message));
      assert.equal(fs.existsSync(path.join(tmp, 'bad.zip')), false);
    });

    it('runs as `npm run teams:package` does', function () {
      this.timeout(60_000);
      const outFile = path.join(tmp, 'cli.zip');
      const appId = randomUUID();
      const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/teams-package.ts', '--out', outFile],
        { cwd: ROOT, env: { ...process.env, MICROSOFT_APP_ID: appId }, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`wrote .*cli.zip .*bot ${appId}`));
      assert.equal(JSON.parse(readZip(fs.readFileSync(outFile)).get('manifest.json')!.toString()).id, appId);
    });
  });
});
