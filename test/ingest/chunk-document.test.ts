import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Chunk, chunkDocument, chunkHash, DEFAULT_CHUNK_SIZE, normaliseWhitespace } from '../../src/ingest/chunk-document';
import { IngestError, type LoadedDocument, loadDocument } from '../../src/ingest/load-document';

/** Deterministic prose: sentences made of uniquely numbered words, so overlaps are unambiguous. */
function prose(tag: string, sentences: number): string {
  const out: string[] = [];
  let n = 0;
  for (let s = 0; s < sentences; s++) {
    const words: string[] = [];
    for (let w = 0; w < 12; w++) words.push(`${tag}${n++}`);
    out.push(`${words.join(' ')}.`);
  }
  return out.join(' ');
}

function doc(overrides: Partial<LoadedDocument>): LoadedDocument {
  return {
    path: 'content/guide.md',
    title: 'Guide',
    text: 'Hello.',
    contentType: 'lesson',
    sourceService: null,
    metadata: {},
    ...overrides,
  };
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

describe('ingest/chunk-document', () => {
  const longMarkdown = [
    '# Onboarding Guide',
    '',
    'Welcome to the team. This guide walks through your first weeks.',
    '',
    '## Setup',
    '',
    prose('setup', 30),
    '',
    '## Daily Work',
    '',
    prose('daily', 30),
    '',
    '### Code review',
    '',
    'Keep pull requests small.',
    '',
    '```bash',
    '# not a heading',
    'git push origin feature',
    '```',
  ].join('\n');

  const longDoc = doc({
    path: 'content/onboarding.md',
    title: 'Onboarding Guide',
    text: longMarkdown,
    metadata: { difficulty: 'beginner', tags: ['onboarding'] },
  });

  let chunks: Chunk[];

  before(async () => {
    chunks = await chunkDocument(longDoc);
  });

  it('splits a long markdown document into several chunks within the size limit', () => {
    assert.ok(longMarkdown.length > 3 * DEFAULT_CHUNK_SIZE);
    assert.ok(chunks.length >= 4, `expected several chunks, got ${chunks.length}`);
    for (const c of chunks) {
      assert.ok(c.content.length <= DEFAULT_CHUNK_SIZE, `chunk ${c.index} has ${c.content.length} chars`);
      assert.ok(c.content.length > 0);
      assert.equal(c.content, c.content.trim());
    }
    // Nothing is lost: every word of the source appears in some chunk.
    const all = chunks.map((c) => c.content).join('\n');
    for (const word of ['setup0', 'setup359', 'daily0', 'daily359', 'Keep pull requests small.', 'git push origin feature']) {
      assert.ok(all.includes(word), `missing ${word}`);
    }
  });

  it('overlaps neighbouring chunks that split running text', () => {
    let overlapping = 0;
    for (let i = 1; i < chunks.length; i++) {
      const firstWord = chunks[i].content.split(/\s+/)[0];
      if (/^(setup|daily)\d+/.test(firstWord) && chunks[i - 1].content.includes(chunks[i].content.slice(0, 40))) {
        overlapping++;
        // the shared text is roughly the overlap size, never more than it
        const prev = chunks[i - 1].content;
        const shared = prev.slice(prev.indexOf(chunks[i].content.slice(0, 40)));
        assert.ok(chunks[i].content.startsWith(shared), 'the overlap is the tail of the previous chunk');
        assert.ok(shared.length <= 150, `overlap of ${shared.length} chars`);
        assert.ok(shared.length >= 50, `overlap of ${shared.length} chars`);
      }
    }
    assert.ok(overlapping >= 2, `expected overlapping chunks, got ${overlapping}`);
  });

  it('numbers the parts in titles, indexes and metadata', () => {
    const n = chunks.length;
    chunks.forEach((c, i) => {
      assert.equal(c.title, `Onboarding Guide (part ${i + 1}/${n})`);
      assert.equal(c.index, i);
      assert.equal(c.count, n);
      assert.equal(c.metadata.chunk_index, i);
      assert.equal(c.metadata.chunk_count, n);
      assert.equal(c.metadata.source_path, 'content/onboarding.md');
      assert.equal(c.metadata.difficulty, 'beginner');
      assert.deepEqual(c.metadata.tags, ['onboarding']);
    });
  });

  it('records the nearest preceding markdown heading as the section', () => {
    const sectionOf = (needle: string): unknown => chunks.find((c) => c.content.includes(needle))?.metadata.section;
    assert.equal(chunks[0].metadata.section, 'Onboarding Guide');
    assert.equal(sectionOf('setup200'), 'Setup');
    assert.equal(sectionOf('daily200'), 'Daily Work');
    assert.equal(sectionOf('git push origin feature'), 'Code review', 'a "#" line inside a code block is not a heading');
  });

  it("drops a heading split off from its long section, keeping it as the next chunk's section", async () => {
    const text = ['# Title', '', 'Intro.', '', '## Long part', '', prose('long', 20), '', '## Short part', '', 'Brief.'].join('\n');
    const result = await chunkDocument(doc({ text }), { chunkSize: 400, chunkOverlap: 60 });
    for (const c of [...result, ...chunks]) {
      assert.ok(!/^(#{1,6} [^\n]*\n*)+$/.test(c.content), `heading-only chunk: ${JSON.stringify(c.content)}`);
    }
    const firstLong = result.find((c) => c.content.includes('long0 '));
    assert.ok(firstLong);
    assert.equal(firstLong.metadata.section, 'Long part');
    assert.equal(result[result.length - 1].content, '## Short part\n\nBrief.');
    assert.equal(result[result.length - 1].metadata.section, 'Short part');
    assert.equal(result[0].content, '# Title\n\nIntro.');
  });

  it('hashes sha256(title + "\\n" + content), stable across runs and unique per chunk', async () => {
    const again = await chunkDocument(longDoc);
    assert.deepEqual(
      again.map((c) => c.hash),
      chunks.map((c) => c.hash),
    );
    for (const c of chunks) {
      assert.match(c.hash, /^[0-9a-f]{64}$/);
      assert.equal(c.hash, sha256(`${c.title}\n${c.content}`));
      assert.equal(c.hash, chunkHash(c.title, c.content));
    }
    assert.equal(new Set(chunks.map((c) => c.hash)).size, chunks.length);

    const renamed = await chunkDocument({ ...longDoc, title: 'Renamed' });
    assert.notEqual(renamed[0].hash, chunks[0].hash, 'the title is part of the hash');
  });

  it('gives a short document one chunk with the plain title', async () => {
    const short = doc({
      path: 'notes/vpn.txt',
      title: 'VPN access',
      text: 'Connect to the VPN   before\topening internal tools.',
      metadata: { skill: 'networking' },
    });
    const result = await chunkDocument(short);
    assert.equal(result.length, 1);
    const [c] = result;
    assert.equal(c.title, 'VPN access');
    assert.equal(c.content, 'Connect to the VPN before opening internal tools.');
    assert.equal(c.index, 0);
    assert.equal(c.count, 1);
    assert.equal(c.hash, sha256('VPN access\nConnect to the VPN before opening internal tools.'));
    assert.deepEqual(c.metadata, {
      skill: 'networking',
      source_path: 'notes/vpn.txt',
      chunk_index: 0,
      chunk_count: 1,
      section: null,
    });
  });

  it('splits long plain text too, with no sections', async () => {
    const text = doc({ path: 'notes/long.txt', title: 'Long notes', text: prose('word', 40) });
    const result = await chunkDocument(text, { chunkSize: 500, chunkOverlap: 50 });
    assert.ok(result.length > 1);
    for (const c of result) {
      assert.ok(c.content.length <= 500);
      assert.equal(c.metadata.section, null);
    }
    assert.equal(result[result.length - 1].title, `Long notes (part ${result.length}/${result.length})`);
  });

  it('normalises whitespace and drops empty chunks', async () => {
    assert.equal(
      normaliseWhitespace('  a   b\t\tc \r\n\r\n\r\n\r\n\u00A0d\u200B e  \n    indented   code  '),
      'a b c\n\nd e\n    indented code',
    );
    const result = await chunkDocument(doc({ text: '\n\n   \t\n' }));
    assert.deepEqual(result, []);
    const onlyRules = await chunkDocument(doc({ text: `Real text here.\n\n${'-'.repeat(60)}\n\n${'*'.repeat(60)}` }), {
      chunkSize: 40,
      chunkOverlap: 0,
    });
    assert.deepEqual(
      onlyRules.map((c) => c.content),
      ['Real text here.'],
    );
    assert.equal(onlyRules[0].title, 'Guide', 'dropped chunks do not count as parts');
  });

  it('rejects bad chunk options with BAD_CHUNK_OPTIONS', async () => {
    for (const opts of [{ chunkSize: 0 }, { chunkSize: 100, chunkOverlap: 100 }, { chunkOverlap: -1 }, { chunkSize: 10.5 }]) {
      await assert.rejects(chunkDocument(longDoc, opts), (err: unknown) => err instanceof IngestError && err.code === 'BAD_CHUNK_OPTIONS');
    }
    // a small chunkSize alone gets a proportionally small default overlap
    const small = await chunkDocument(longDoc, { chunkSize: 100 });
    assert.ok(small.every((c) => c.content.length <= 100));
  });

  it('chunks a loaded markdown file end to end', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ingest-chunk-'));
    try {
      const file = path.join(dir, 'guide.md');
      await fs.writeFile(file, `---\ntitle: Front Matter Title\ncontent_type: tutorial\ncourse: Onboarding\n---\n${longMarkdown}\n`);
      const loaded = await loadDocument(file);
      const result = await chunkDocument(loaded);
      assert.ok(result.length > 1);
      assert.equal(result[0].title, `Front Matter Title (part 1/${result.length})`);
      assert.equal(result[0].metadata.course, 'Onboarding');
      assert.equal(result[0].metadata.source_path, file);
      assert.equal(result[0].metadata.section, 'Onboarding Guide');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
