import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '../../..');
const sources = (dir: string) =>
  readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: `${dir}/${f}`, text: readFileSync(path.join(root, dir, f), 'utf8') }));
const imports = (text: string) => [...text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);

/** Dependencies point inward: channels → core → db; SQL lives in repositories, drawing in renderers. */
describe('learning loop layering', () => {
  it('the core runs no SQL and draws nothing', () => {
    for (const { file, text } of sources('src/core/learning')) {
      assert.doesNotMatch(text, /\.query\(/, `${file} runs SQL: move it to src/db/repositories`);
      for (const spec of imports(text))
        assert.ok(!/render\/|chart\.js|@napi-rs\/canvas|csv-stringify/.test(spec), `${file} imports ${spec}`);
    }
  });

  it('repositories and renderers import nothing from the channels, repositories nothing from the core', () => {
    for (const { file, text } of sources('src/db/repositories')) {
      for (const spec of imports(text)) assert.ok(!/\/(core|channels|render)\//.test(spec), `${file} imports ${spec}`);
    }
    for (const { file, text } of sources('src/render')) {
      for (const spec of imports(text)) assert.ok(!/\/channels\//.test(spec), `${file} imports ${spec}`);
      for (const m of text.matchAll(/^import\b[^;]*?from '\.\.\/core\/[^']+'/gms))
        assert.match(m[0], /^import type /, `${file} takes only types from the core`);
    }
  });
});
