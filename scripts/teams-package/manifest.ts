/**
 * The Teams app manifest: fills in the bot's app id and validates the result against the official JSON
 * schema of its manifestVersion, as shipped by @microsoft/app-manifest (the schemas the Teams Developer
 * Portal publishes at https://developer.microsoft.com/json-schemas/teams/vX.Y/MicrosoftTeams.schema.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

// biome-ignore lint/suspicious/noExplicitAny: any JSON object; the schema says what it must hold
export type Manifest = Record<string, any>;

export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The version format Teams accepts (the schema only says "semver"): major.minor.patch, digits only. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** The official URL of a manifest version's schema: what `$schema` in manifest.json must say. */
export const schemaUrl = (manifestVersion: string) =>
  `https://developer.microsoft.com/json-schemas/teams/v${manifestVersion}/MicrosoftTeams.schema.json`;

/** The directory of the official Teams manifest schemas, one folder per version (v1.17, v1.30, ...). */
const SCHEMAS_DIR = path.join(path.dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams');

/** The versions @microsoft/app-manifest ships a schema for, oldest first (no preview). */
export function schemaVersions(): string[] {
  const numeric = (v: string) => v.split('.').map(Number);
  return fs
    .readdirSync(SCHEMAS_DIR)
    .filter((d) => /^v\d+\.\d+$/.test(d) && fs.existsSync(path.join(SCHEMAS_DIR, d, 'MicrosoftTeams.schema.json')))
    .map((d) => d.slice(1))
    .sort((a, b) => numeric(a)[0] - numeric(b)[0] || numeric(a)[1] - numeric(b)[1]);
}

const validators = new Map<string, ValidateFunction>();

/**
 * The compiled official schema for `manifestVersion`, or undefined when the package has none. The files
 * declare draft-04 but use draft-06/07 keywords (const, if/then) and none that draft-04 alone has
 * (boolean exclusiveMinimum, id), so Ajv's default draft-07 engine checks them as written.
 */
export function schemaValidator(manifestVersion: string): ValidateFunction | undefined {
  if (!/^\d+\.\d+$/.test(manifestVersion)) return undefined;
  const file = path.join(SCHEMAS_DIR, `v${manifestVersion}`, 'MicrosoftTeams.schema.json');
  if (!validators.has(manifestVersion)) {
    if (!fs.existsSync(file)) return undefined;
    const { $schema: _draft04, ...schema } = JSON.parse(fs.readFileSync(file, 'utf8'));
    // strictTypes off: the official schema puts a few keywords where they cannot apply (e.g. `minimum` on an array).
    const ajv = new Ajv({ allErrors: true, strictTypes: false });
    addFormats(ajv);
    validators.set(manifestVersion, ajv.compile(schema));
  }
  return validators.get(manifestVersion);
}

/** "/bots/0/scopes/1 must be equal to one of the allowed values (team, personal, groupChat, copilot)" */
function explain(e: ErrorObject): string {
  const where = e.instancePath || '(manifest)';
  const allowed = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
  const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : '';
  return `${where} ${e.message}${allowed}${extra}`;
}

/** Replaces {{MICROSOFT_APP_ID}} everywhere in the manifest template and parses it. */
export function fillManifest(template: string, appId: string): Manifest {
  return JSON.parse(template.replace(/\{\{MICROSOFT_APP_ID\}\}/g, appId));
}

/**
 * What Teams would refuse in the manifest, as readable problems (empty when it is valid): every error
 * the official schema of its manifestVersion reports, and what the schema cannot say: no placeholder
 * left, `$schema` is that version's URL, the version is MAJOR.MINOR.PATCH, the bot is this app's bot.
 */
export function manifestProblems(m: Manifest, appId: string): string[] {
  const problems: string[] = [];
  const leftover = JSON.stringify(m).match(/\{\{[A-Z0-9_]+\}\}/g);
  if (leftover) problems.push(`unreplaced placeholders: ${[...new Set(leftover)].join(', ')}`);

  const version = typeof m.manifestVersion === 'string' ? m.manifestVersion : '';
  const validate = schemaValidator(version);
  if (!validate) {
    problems.push(
      `manifestVersion ${JSON.stringify(m.manifestVersion)} has no official schema in @microsoft/app-manifest (known: ${schemaVersions().join(', ')})`,
    );
  } else {
    if (m.$schema !== schemaUrl(version)) problems.push(`$schema must be ${schemaUrl(version)}`);
    if (!validate(m)) problems.push(...(validate.errors ?? []).map(explain));
  }
  if (typeof m.version !== 'string' || !SEMVER.test(m.version))
    problems.push(`version must be MAJOR.MINOR.PATCH (got ${JSON.stringify(m.version)})`);
  const bots: Manifest[] = Array.isArray(m.bots) ? m.bots : [];
  if (bots.length !== 1) problems.push('exactly one bot is expected');
  else if (bots[0].botId !== appId) problems.push(`bots[0].botId must be the bot's app id ${appId} (MICROSOFT_APP_ID)`);
  return problems;
}
