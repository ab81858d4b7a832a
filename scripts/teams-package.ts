/**
 * Builds the Microsoft Teams app package (`npm run teams:package`): fills the bot's app id into
 * manifests/teams/manifest.json, validates the manifest against the official schema of its
 * manifestVersion and the icons against Teams' rules, and zips manifest.json, color.png and outline.png
 * (at the root of the zip, as Teams requires) into dist/teams-app.zip.
 *
 *   npx ts-node --transpile-only scripts/teams-package.ts [--out dist/teams-app.zip] [--dir manifests/teams]
 *   npx ts-node --transpile-only scripts/teams-package.ts --icons      # (re)draws color.png and outline.png
 *
 * The app id comes from MICROSOFT_APP_ID (environment or .env). Without it the package gets a
 * placeholder GUID and a warning: it validates, but Teams cannot reach a bot with that id.
 *
 * The parts live in scripts/teams-package/: manifest.ts (placeholders, JSON schema), icons.ts (drawing
 * and checking the PNGs), zip.ts (the archive).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { COLOR_ICON_SIZE, iconProblems, OUTLINE_ICON_SIZE, renderColorIcon, renderOutlineIcon } from './teams-package/icons';
import { fillManifest, GUID, type Manifest, manifestProblems, PLACEHOLDER_APP_ID } from './teams-package/manifest';
import { writeZip } from './teams-package/zip';

export { COLOR_ICON_SIZE, decodePng, OUTLINE_ICON_SIZE, renderColorIcon, renderOutlineIcon } from './teams-package/icons';
export { fillManifest, type Manifest, PLACEHOLDER_APP_ID, schemaUrl, schemaVersions } from './teams-package/manifest';
export { writeZip } from './teams-package/zip';

export interface PackageFiles {
  manifest: Manifest;
  files: Record<string, Uint8Array>;
}

/** Everything Teams (and the Developer Portal) would refuse, as readable problems; empty when the package is good. */
export function validatePackage({ manifest, files }: PackageFiles, appId: string): string[] {
  return [...manifestProblems(manifest, appId), ...iconProblems(manifest.icons, files)];
}

export interface BuildResult {
  outFile: string;
  appId: string;
  warnings: string[];
  bytes: number;
}

/** Fills in, validates and zips; throws with every problem listed when the package is not valid. */
export function buildTeamsPackage(opts: { dir: string; outFile: string; appId?: string }): BuildResult {
  const warnings: string[] = [];
  let appId = opts.appId?.trim();
  if (!appId) {
    appId = PLACEHOLDER_APP_ID;
    warnings.push(
      `MICROSOFT_APP_ID is not set: using the placeholder ${PLACEHOLDER_APP_ID}. The package validates, but Teams cannot reach a bot with that id; set MICROSOFT_APP_ID and run again.`,
    );
  } else if (!GUID.test(appId)) {
    throw new Error(`MICROSOFT_APP_ID must be the bot's Microsoft app id, a GUID (got "${appId}").`);
  }
  const manifest = fillManifest(fs.readFileSync(path.join(opts.dir, 'manifest.json'), 'utf8'), appId);
  const iconNames = [manifest.icons?.color, manifest.icons?.outline].filter((n): n is string => typeof n === 'string');
  const files: Record<string, Buffer> = {};
  for (const name of iconNames) {
    const p = path.join(opts.dir, name);
    if (fs.existsSync(p)) files[name] = fs.readFileSync(p);
  }
  const problems = validatePackage({ manifest, files }, appId);
  if (problems.length) throw new Error(`The Teams app package is not valid:\n  - ${problems.join('\n  - ')}`);
  if (JSON.stringify(manifest.developer ?? {}).includes('example.com')) {
    warnings.push(
      'developer URLs in manifests/teams/manifest.json still point at example.com: fine for sideloading, replace them before publishing to your organisation.',
    );
  }
  const zip = writeZip([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
    ...iconNames.map((name) => ({ name, data: files[name] })),
  ]);
  fs.mkdirSync(path.dirname(opts.outFile), { recursive: true });
  fs.writeFileSync(opts.outFile, zip);
  return { outFile: opts.outFile, appId, warnings, bytes: zip.length };
}

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
    process.stdout.write(
      `wrote ${path.relative(process.cwd(), path.join(dir, 'color.png'))} (${COLOR_ICON_SIZE}x${COLOR_ICON_SIZE}) and outline.png (${OUTLINE_ICON_SIZE}x${OUTLINE_ICON_SIZE})\n`,
    );
    return;
  }
  loadDotenv({ quiet: true });
  const outFile = path.resolve(arg('--out') ?? path.join(root, 'dist', 'teams-app.zip'));
  try {
    const result = buildTeamsPackage({ dir, outFile, appId: process.env.MICROSOFT_APP_ID });
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(
      `wrote ${path.relative(process.cwd(), result.outFile)} (${result.bytes} bytes, bot ${result.appId}): upload it in Teams > Apps > Manage your apps > Upload an app\n`,
    );
  } catch (err) {
    process.stderr.write(`teams:package: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
