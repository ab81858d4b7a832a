import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { unzipSync } from 'fflate';
import {
  buildTeamsPackage,
  decodePng,
  fillManifest,
  type Manifest,
  PLACEHOLDER_APP_ID,
  renderColorIcon,
  renderOutlineIcon,
  schemaUrl,
  schemaVersions,
  validatePackage,
  writeZip,
} from '../../../scripts/teams-package';

const ROOT = path.resolve(__dirname, '../../..');
const DIR = path.join(ROOT, 'manifests', 'teams');
const read = (name: string) => fs.readFileSync(path.join(DIR, name));

/** The entries of a zip, in archive order, read with fflate (which checks each entry's CRC). */
function readZip(zip: Uint8Array): Map<string, Buffer> {
  return new Map(Object.entries(unzipSync(zip)).map(([name, data]) => [name, Buffer.from(data)]));
}

/** One entry of an unzipped archive, which must be there. */
function entry(entries: Map<string, Buffer>, name: string): Buffer {
  const data = entries.get(name);
  assert.ok(data, `${name} is in the zip`);
  return data;
}

/** A PNG drawn on the canvas: `fill` paints it (the canvas starts transparent). */
function pngOf(size: number, fill: (ctx: ReturnType<ReturnType<typeof createCanvas>['getContext']>) => void): Buffer {
  const canvas = createCanvas(size, size);
  fill(canvas.getContext('2d'));
  return canvas.encodeSync('png');
}

/** The committed manifest as teams-package fills it in. */
const manifestFor = (appId: string): Manifest => fillManifest(read('manifest.json').toString('utf8'), appId);
const icons = () => ({ 'color.png': read('color.png'), 'outline.png': read('outline.png') });

describe('Teams app package', () => {
  it('commits icons that match the generator: color 192x192 opaque, outline 32x32 white on transparent', () => {
    // pixels, not bytes: another PNG encoder may compress the same image differently
    assert.deepEqual(
      decodePng(read('color.png')).rgba,
      decodePng(renderColorIcon()).rgba,
      'manifests/teams/color.png is stale: run `npm run teams:icons`',
    );
    assert.deepEqual(
      decodePng(read('outline.png')).rgba,
      decodePng(renderOutlineIcon()).rgba,
      'manifests/teams/outline.png is stale: run `npm run teams:icons`',
    );
    const color = decodePng(read('color.png'));
    assert.deepEqual([color.width, color.height], [192, 192]);
    for (let i = 3; i < color.rgba.length; i += 4) assert.equal(color.rgba[i], 255, 'color.png is opaque');
    const outline = decodePng(read('outline.png'));
    assert.deepEqual([outline.width, outline.height], [32, 32]);
    const kinds = new Set<string>();
    for (let i = 0; i < outline.rgba.length; i += 4) kinds.add(outline.rgba.subarray(i, i + 4).join(','));
    assert.deepEqual([...kinds].sort(), ['0,0,0,0', '255,255,255,255']);
  });

  it('moves to the newest manifest version with an official schema, and the filled-in manifest validates against it', () => {
    const newest = schemaVersions().at(-1) ?? '';
    assert.ok(Number(newest.split('.')[1]) >= 22, newest);
    const appId = randomUUID();
    const m = manifestFor(appId);
    assert.equal(m.manifestVersion, newest);
    assert.equal(m.$schema, schemaUrl(newest));
    assert.equal(m.$schema, `https://developer.microsoft.com/json-schemas/teams/v${newest}/MicrosoftTeams.schema.json`);
    assert.deepEqual(validatePackage({ manifest: m, files: icons() }, appId), []);
    assert.equal(m.id, appId);
    assert.equal(m.bots[0].botId, appId);
    assert.deepEqual(m.bots[0].scopes, ['personal', 'team', 'groupChat']);
    const titles = m.bots[0].commandLists.flatMap((l: Manifest) => l.commands.map((c: Manifest) => c.title));
    for (const t of ['help', 'report', 'progress', 'quiz', 'recommend', 'dashboard']) assert.ok(titles.includes(t), t);
  });

  it('reports what the official schema, and Teams, would refuse', () => {
    const appId = randomUUID();
    const problems = (mutate: (m: Manifest, files: Record<string, Uint8Array>) => void, id = appId) => {
      const m = manifestFor(appId);
      const files: Record<string, Uint8Array> = icons();
      mutate(m, files);
      return validatePackage({ manifest: m, files }, id).join('\n');
    };
    assert.equal(
      problems(() => {}),
      '',
    );
    // from the schema
    assert.match(
      problems((m) => {
        m.id = 'learning-assistant';
      }),
      /^\/id must match pattern/m,
    );
    assert.match(
      problems((m) => {
        m.description.short = 'x'.repeat(81);
      }),
      /^\/description\/short must NOT have more than 80 characters$/m,
    );
    assert.match(
      problems((m) => {
        m.developer.privacyUrl = 'ftp://example.com/privacy';
      }),
      /^\/developer\/privacyUrl must match pattern/m,
    );
    assert.match(
      problems((m) => {
        m.bots[0].scopes = ['personal', 'meetings'];
      }),
      /^\/bots\/0\/scopes\/1 must be equal to one of the allowed values \(team, personal, groupChat, copilot\)$/m,
    );
    assert.match(
      problems((m) => {
        m.bots[0].commandLists[0].commands[0].title = 'x'.repeat(129);
      }),
      /^\/bots\/0\/commandLists\/0\/commands\/0\/title must NOT have more than 128 characters$/m,
    );
    assert.match(
      problems((m) => {
        m.bots[0].commandLists[0].commands.push(...m.bots[0].commandLists[1].commands, { title: 'more', description: 'one too many' });
      }),
      /^\/bots\/0\/commandLists\/0\/commands must NOT have more than 12 items$/m,
    );
    assert.match(
      problems((m) => {
        m.bots[0].isChatty = true;
      }),
      /^\/bots\/0 must NOT have additional properties \(isChatty\)$/m,
    );
    assert.match(
      problems((m) => {
        delete m.accentColor;
      }),
      /^\(manifest\) must have required property 'accentColor'$/m,
    );
    // what the schema cannot say
    assert.match(
      problems(() => {}, randomUUID()),
      /botId must be the bot's app id/,
    );
    assert.match(
      problems((m) => {
        m.version = '1.0';
      }),
      /version must be MAJOR.MINOR.PATCH/,
    );
    assert.match(
      problems((m) => {
        m.name.short = '{{APP_NAME}}';
      }),
      /unreplaced placeholders: \{\{APP_NAME\}\}/,
    );
    assert.match(
      problems((m) => {
        m.$schema = schemaUrl('1.17');
      }),
      /\$schema must be https:\/\/developer\.microsoft\.com\/json-schemas\/teams\/v1\.\d+\/MicrosoftTeams\.schema\.json/,
    );
    assert.match(
      problems((m) => {
        m.manifestVersion = '9.99';
      }),
      /manifestVersion "9.99" has no official schema/,
    );
    // the icons
    assert.match(
      problems((_m, f) => {
        f['color.png'] = renderColorIcon(96);
      }),
      /color.png must be 192x192 pixels \(is 96x96\)/,
    );
    assert.match(
      problems((_m, f) => {
        f['outline.png'] = renderOutlineIcon(48);
      }),
      /outline.png must be 32x32/,
    );
    assert.match(
      problems((_m, f) => {
        delete f['outline.png'];
      }),
      /outline.png is missing/,
    );
    assert.match(
      problems((_m, f) => {
        f['outline.png'] = Buffer.from('nope');
      }),
      /outline.png is not a valid PNG \(not a PNG file\)/,
    );
    assert.match(
      problems((_m, f) => {
        f['outline.png'] = Buffer.concat([read('outline.png').subarray(0, 40), Buffer.alloc(20)]);
      }),
      /outline.png is not a valid PNG \(the file is truncated\)/,
    );
    const grey = pngOf(32, (ctx) => {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 16, 32);
      ctx.fillStyle = '#808080';
      ctx.fillRect(16, 0, 1, 1);
    });
    assert.match(
      problems((_m, f) => {
        f['outline.png'] = grey;
      }),
      /white on transparent \(1 pixels are neither\)/,
    );
    const opaque = pngOf(32, (ctx) => {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 32, 32);
    });
    assert.match(
      problems((_m, f) => {
        f['outline.png'] = opaque;
      }),
      /outline.png must have a transparent background/,
    );
  });

  describe('building the zip', () => {
    let tmp: string;
    beforeEach(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'teams-pkg-'));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('writes a zip that unzips to the same entries, in order', () => {
      const entries = [
        { name: 'a.json', data: Buffer.from('{"a": 1}\n'.repeat(50)) },
        { name: 'b.png', data: read('outline.png') },
      ];
      const back = readZip(writeZip(entries));
      assert.deepEqual([...back.keys()], ['a.json', 'b.png']);
      for (const e of entries) assert.ok(entry(back, e.name).equals(e.data), e.name);
    });

    it('fills in the app id and zips manifest.json, color.png and outline.png at the root, reproducibly', () => {
      const appId = randomUUID();
      const outFile = path.join(tmp, 'teams-app.zip');
      const result = buildTeamsPackage({ dir: DIR, outFile, appId });
      assert.equal(result.appId, appId);
      assert.ok(result.warnings.every((w) => !/MICROSOFT_APP_ID/.test(w)));
      const zip = fs.readFileSync(outFile);
      const entries = readZip(zip);
      assert.deepEqual([...entries.keys()], ['manifest.json', 'color.png', 'outline.png']);
      const manifest = JSON.parse(entry(entries, 'manifest.json').toString('utf8'));
      assert.deepEqual(manifest, manifestFor(appId));
      assert.deepEqual(validatePackage({ manifest, files: Object.fromEntries(entries) }, appId), []);
      assert.ok(entry(entries, 'color.png').equals(read('color.png')));
      assert.ok(entry(entries, 'outline.png').equals(read('outline.png')));

      buildTeamsPackage({ dir: DIR, outFile: path.join(tmp, 'again.zip'), appId });
      assert.ok(fs.readFileSync(path.join(tmp, 'again.zip')).equals(zip), 'same input, same bytes');

      if (spawnSync('unzip', ['-v']).status === 0) execFileSync('unzip', ['-tq', outFile]); // throws if the archive is bad
    });

    it('uses a placeholder GUID with a warning when MICROSOFT_APP_ID is unset, and refuses a non-GUID', () => {
      const result = buildTeamsPackage({ dir: DIR, outFile: path.join(tmp, 'p.zip') });
      assert.equal(result.appId, PLACEHOLDER_APP_ID);
      assert.ok(result.warnings.some((w) => /MICROSOFT_APP_ID is not set/.test(w)));
      assert.equal(
        JSON.parse(entry(readZip(fs.readFileSync(result.outFile)), 'manifest.json').toString()).bots[0].botId,
        PLACEHOLDER_APP_ID,
      );
      assert.throws(
        () => buildTeamsPackage({ dir: DIR, outFile: path.join(tmp, 'x.zip'), appId: 'my-bot' }),
        /must be the bot's Microsoft app id, a GUID/,
      );
      assert.equal(fs.existsSync(path.join(tmp, 'x.zip')), false);
    });

    it('refuses to write an invalid package, listing every problem', () => {
      fs.writeFileSync(
        path.join(tmp, 'manifest.json'),
        read('manifest.json')
          .toString()
          .replace(/"version": "[^"]*"/, '"version": "one"')
          .replace('"accentColor": "#2B579A"', '"accentColor": "blue"'),
      );
      fs.writeFileSync(path.join(tmp, 'color.png'), renderColorIcon(100));
      assert.throws(
        () => buildTeamsPackage({ dir: tmp, outFile: path.join(tmp, 'bad.zip'), appId: randomUUID() }),
        (e: Error) =>
          /version must be/.test(e.message) &&
          /\/accentColor must match pattern/.test(e.message) &&
          /192x192/.test(e.message) &&
          /outline.png is missing/.test(e.message),
      );
      assert.equal(fs.existsSync(path.join(tmp, 'bad.zip')), false);
    });

    it('runs as `npm run teams:package` and `npm run teams:icons` do', function () {
      this.timeout(60_000);
      const outFile = path.join(tmp, 'cli.zip');
      const appId = randomUUID();
      const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/teams-package.ts', '--out', outFile], {
        cwd: ROOT,
        env: { ...process.env, MICROSOFT_APP_ID: appId },
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`wrote .*cli.zip .*bot ${appId}`));
      assert.equal(JSON.parse(entry(readZip(fs.readFileSync(outFile)), 'manifest.json').toString()).id, appId);

      const drawn = spawnSync(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'scripts/teams-package.ts', '--icons', '--dir', tmp],
        { cwd: ROOT, encoding: 'utf8' },
      );
      assert.equal(drawn.status, 0, drawn.stderr);
      assert.deepEqual(decodePng(fs.readFileSync(path.join(tmp, 'color.png'))).rgba, decodePng(read('color.png')).rgba);
      assert.deepEqual(decodePng(fs.readFileSync(path.join(tmp, 'outline.png'))).rgba, decodePng(read('outline.png')).rgba);
    });
  });
});
