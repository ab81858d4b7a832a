import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CONTENT_TYPES,
  IngestError,
  type IngestErrorCode,
  listDocumentFiles,
  loadDocument,
  SUPPORTED_EXTENSIONS,
} from '../../src/ingest/load-document';
import { makeDocx } from '../helpers/make-docx';
import { makePdf } from '../helpers/make-pdf';

async function rejectsWithCode(promise: Promise<unknown>, code: IngestErrorCode): Promise<IngestError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof IngestError, `expected an IngestError, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected code ${code}, got ${caught.code}: ${caught.message}`);
  assert.ok(caught.message.length > 20, 'message should explain what to do');
  return caught;
}

describe('ingest/load-document', () => {
  let dir: string;

  async function write(name: string, data: string | Buffer): Promise<string> {
    const file = path.join(dir, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, data);
    return file;
  }

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ingest-load-'));
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('exports the supported extensions and content types', () => {
    assert.deepEqual([...SUPPORTED_EXTENSIONS], ['.md', '.markdown', '.txt', '.html', '.htm', '.pdf', '.docx']);
    assert.deepEqual([...CONTENT_TYPES], ['course', 'lesson', 'skill', 'assessment', 'tutorial', 'reference']);
  });

  describe('markdown', () => {
    it('reads front matter into title, content type, source service and metadata', async () => {
      const file = await write(
        'sql-joins.md',
        [
          '---',
          'title: Joining tables in SQL',
          'content_type: lesson',
          'source_service: lms',
          'difficulty: beginner',
          'tags: [sql, databases]',
          'skill: SQL',
          'course: Data 101',
          'published: 2024-05-01',
          '---',
          '# A heading that is not the title',
          '',
          'An INNER JOIN returns matching rows.\r\n',
        ].join('\n'),
      );
      const doc = await loadDocument(file);
      assert.equal(doc.path, file);
      assert.equal(doc.title, 'Joining tables in SQL');
      assert.equal(doc.contentType, 'lesson');
      assert.equal(doc.sourceService, 'lms');
      assert.deepEqual(doc.metadata, {
        difficulty: 'beginner',
        tags: ['sql', 'databases'],
        skill: 'SQL',
        course: 'Data 101',
        published: '2024-05-01',
      });
      assert.equal(doc.text, '# A heading that is not the title\n\nAn INNER JOIN returns matching rows.');
      assert.ok(!doc.text.includes('content_type'));
    });

    it('takes the title from the first "# " heading, ignoring code blocks', async () => {
      const file = await write(
        'notes/git-basics.markdown',
        [
          'Some intro.',
          '',
          '```bash',
          '# not a heading',
          'git status',
          '```',
          '',
          '## Sub heading',
          '',
          '# Git Basics #',
          '',
          'Body.',
        ].join('\n'),
      );
      const doc = await loadDocument(file);
      assert.equal(doc.title, 'Git Basics');
      assert.equal(doc.contentType, 'reference');
      assert.equal(doc.sourceService, null);
      assert.deepEqual(doc.metadata, {});
    });

    it('falls back to the file name when there is no title or heading', async () => {
      const file = await write('no-heading.md', 'Just a paragraph of text.\n\n## Only a level-two heading\n');
      const doc = await loadDocument(file);
      assert.equal(doc.title, 'no-heading');
    });

    it('applies precedence: front matter > defaults > reference/null', async () => {
      const withFrontMatter = await write('precedence-fm.md', '---\ncontent_type: tutorial\nsource_service: confluence\n---\nText.\n');
      const withoutFrontMatter = await write('precedence-none.md', 'Text.\n');
      const partial = await write('precedence-partial.md', '---\ncontent_type: Skill\n---\nText.\n');
      const defaults = { contentType: 'course', sourceService: 'cli-service' };

      const a = await loadDocument(withFrontMatter, defaults);
      assert.equal(a.contentType, 'tutorial');
      assert.equal(a.sourceService, 'confluence');

      const b = await loadDocument(withoutFrontMatter, defaults);
      assert.equal(b.contentType, 'course');
      assert.equal(b.sourceService, 'cli-service');

      const c = await loadDocument(withoutFrontMatter);
      assert.equal(c.contentType, 'reference');
      assert.equal(c.sourceService, null);

      const d = await loadDocument(partial, defaults);
      assert.equal(d.contentType, 'skill', 'front matter value is case-normalised');
      assert.equal(d.sourceService, 'cli-service');

      const e = await loadDocument(withoutFrontMatter, { contentType: '  ', sourceService: '' });
      assert.equal(e.contentType, 'reference');
      assert.equal(e.sourceService, null);
    });

    it('rejects an invalid content_type in front matter with BAD_CONTENT_TYPE', async () => {
      const file = await write('bad-type.md', '---\ncontent_type: webinar\n---\nText.\n');
      const err = await rejectsWithCode(loadDocument(file), 'BAD_CONTENT_TYPE');
      assert.match(err.message, /webinar/);
      assert.match(err.message, /course, lesson, skill, assessment, tutorial, reference/);
      assert.equal(err.filePath, file);
    });

    it('rejects an invalid default content type with BAD_CONTENT_TYPE', async () => {
      const file = await write('fine.md', 'Text.\n');
      await rejectsWithCode(loadDocument(file, { contentType: 'video' }), 'BAD_CONTENT_TYPE');
    });

    it('rejects broken YAML front matter with PARSE_FAILED', async () => {
      const file = await write('bad-yaml.md', '---\ntitle: [unclosed\n---\nText.\n');
      await rejectsWithCode(loadDocument(file), 'PARSE_FAILED');
    });

    it('rejects a file with only front matter with EMPTY_DOCUMENT', async () => {
      const file = await write('only-front-matter.md', '---\ntitle: Nothing here\n---\n\n   \n');
      await rejectsWithCode(loadDocument(file), 'EMPTY_DOCUMENT');
    });
  });

  describe('plain text', () => {
    it('loads text with the file name as title', async () => {
      const file = await write('expense-policy.txt', '\uFEFFClaim expenses within 30 days.\r\nKeep receipts.\r\n\r\n\r\n\r\nEnd.   \n');
      const doc = await loadDocument(file, { sourceService: 'hr-portal' });
      assert.equal(doc.title, 'expense-policy');
      assert.equal(doc.text, 'Claim expenses within 30 days.\nKeep receipts.\n\nEnd.');
      assert.equal(doc.contentType, 'reference');
      assert.equal(doc.sourceService, 'hr-portal');
    });

    it('rejects an empty file with EMPTY_DOCUMENT', async () => {
      const file = await write('empty.txt', '');
      await rejectsWithCode(loadDocument(file), 'EMPTY_DOCUMENT');
      const blank = await write('blank.txt', ' \n\t\n');
      await rejectsWithCode(loadDocument(blank), 'EMPTY_DOCUMENT');
    });
  });

  describe('html', () => {
    it('takes the title from <title> and converts the body to text', async () => {
      const file = await write(
        'onboarding.html',
        `<!doctype html><html><head><title>Onboarding &amp; Setup</title>
        <style>body { color: red }</style><script>var secret = 1;</script></head>
        <body><nav>Home | About</nav><h1>Welcome aboard</h1>
        <p>Read the <a href="https://intranet/handbook">handbook</a> first.</p>
        <img src="logo.png" alt="logo"></body></html>`,
      );
      const doc = await loadDocument(file);
      assert.equal(doc.title, 'Onboarding & Setup');
      assert.match(doc.text, /Welcome aboard/);
      assert.match(doc.text, /Read the handbook first\./);
      assert.ok(!doc.text.includes('secret'), 'scripts are dropped');
      assert.ok(!doc.text.includes('color: red'), 'styles are dropped');
      assert.ok(!doc.text.includes('https://intranet'), 'link targets are dropped');
      assert.ok(!doc.text.includes('Onboarding & Setup'), 'head is not body text');
    });

    it('falls back to the first <h1> for the title (.htm)', async () => {
      const file = await write('page.htm', '<body><h1>Code <em>review</em> checklist</h1><p>Check tests.</p></body>');
      const doc = await loadDocument(file);
      assert.equal(doc.title, 'Code review checklist');
      assert.match(doc.text, /Check tests\./);
    });

    it('rejects an HTML file without text with EMPTY_DOCUMENT', async () => {
      const file = await write('empty.html', '<html><head><title>Empty</title></head><body>  </body></html>');
      await rejectsWithCode(loadDocument(file), 'EMPTY_DOCUMENT');
    });
  });

  describe('pdf', () => {
    it('loads text and the Info dictionary title', async () => {
      const file = await write('security-training.pdf', makePdf({ lines: ['Lock your screen when you leave.'], title: 'Security Basics' }));
      const doc = await loadDocument(file, { contentType: 'course' });
      assert.equal(doc.title, 'Security Basics');
      assert.equal(doc.text, 'Lock your screen when you leave.');
      assert.equal(doc.contentType, 'course');
    });

    it('uses the file name when the PDF has no title', async () => {
      const file = await write('untitled-handout.pdf', makePdf({ lines: ['First line', 'Second line'] }));
      const doc = await loadDocument(file);
      assert.equal(doc.title, 'untitled-handout');
      assert.equal(doc.text, 'First line\nSecond line');
    });

    it('rejects a corrupt PDF with PARSE_FAILED', async () => {
      const file = await write('corrupt.pdf', Buffer.from('this is not really a PDF file'));
      const err = await rejectsWithCode(loadDocument(file), 'PARSE_FAILED');
      assert.match(err.message, /corrupt\.pdf/);
    });

    it('rejects a truncated PDF with PARSE_FAILED', async () => {
      const good = makePdf({ lines: ['Some text'] });
      const file = await write('truncated.pdf', good.subarray(0, 40));
      await rejectsWithCode(loadDocument(file), 'PARSE_FAILED');
    });

    it('rejects a PDF without text with EMPTY_DOCUMENT', async () => {
      const file = await write('blank-page.pdf', makePdf({ lines: [] }));
      await rejectsWithCode(loadDocument(file), 'EMPTY_DOCUMENT');
    });
  });

  describe('docx', () => {
    it('loads text with the first line as title', async () => {
      const file = await write(
        'code-of-conduct.docx',
        makeDocx(['Code of Conduct', 'Treat colleagues with respect.', 'Report concerns to HR & your manager.']),
      );
      const doc = await loadDocument(file, { contentType: 'reference', sourceService: 'sharepoint' });
      assert.equal(doc.title, 'Code of Conduct');
      assert.equal(doc.text, 'Code of Conduct\n\nTreat colleagues with respect.\n\nReport concerns to HR & your manager.');
      assert.equal(doc.sourceService, 'sharepoint');
    });

    it('uses the file name when the first line is too long to be a title', async () => {
      const file = await write('long-first-line.docx', makeDocx(['word '.repeat(60).trim(), 'More.']));
      const doc = await loadDocument(file);
      assert.equal(doc.title, 'long-first-line');
    });

    it('rejects a corrupt .docx with PARSE_FAILED', async () => {
      const file = await write('corrupt.docx', Buffer.from('PK not really a zip'));
      await rejectsWithCode(loadDocument(file), 'PARSE_FAILED');
    });
  });

  describe('errors', () => {
    it('rejects an unsupported extension with UNSUPPORTED_TYPE', async () => {
      const file = await write('budget.xlsx', 'whatever');
      const err = await rejectsWithCode(loadDocument(file), 'UNSUPPORTED_TYPE');
      assert.match(err.message, /\.xlsx/);
      await rejectsWithCode(loadDocument(await write('README', 'text')), 'UNSUPPORTED_TYPE');
    });

    it('rejects a missing file with NOT_FOUND', async () => {
      await rejectsWithCode(loadDocument(path.join(dir, 'missing.md')), 'NOT_FOUND');
    });

    it('IngestError is an Error with a stable code', () => {
      const err = new IngestError('PARSE_FAILED', 'Could not parse x. Re-export it.', { filePath: 'x.pdf' });
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'IngestError');
      assert.equal(err.code, 'PARSE_FAILED');
      assert.equal(err.filePath, 'x.pdf');
    });
  });

  describe('listDocumentFiles', () => {
    let root: string;

    before(async () => {
      root = path.join(dir, 'tree');
      const files: Record<string, string> = {
        'b.md': '# B',
        'a.txt': 'A',
        'UPPER.MD': '# Upper',
        'sub/c.html': '<p>c</p>',
        'sub/deeper/d.pdf': 'x',
        'sub/deeper/e.docx': 'x',
        'sub/deeper/f.htm': 'x',
        'sub/g.markdown': 'x',
        'sub/image.png': 'x',
        'sub/budget.xlsx': 'x',
        'sub/notes': 'no extension',
        '.hidden.md': 'x',
        '.git/config.md': 'x',
        'sub/.drafts/draft.md': 'x',
        'node_modules/pkg/README.md': 'x',
        'sub/node_modules/pkg/readme.txt': 'x',
      };
      for (const [name, content] of Object.entries(files)) {
        const file = path.join(root, name);
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, content);
      }
      await fs.mkdir(path.join(root, 'empty-folder'));
    });

    it('walks folders recursively, sorted, skipping hidden entries, node_modules and unsupported files', async () => {
      const files = await listDocumentFiles([root]);
      assert.deepEqual(
        files.map((f) => path.relative(root, f).split(path.sep).join('/')),
        ['UPPER.MD', 'a.txt', 'b.md', 'sub/c.html', 'sub/deeper/d.pdf', 'sub/deeper/e.docx', 'sub/deeper/f.htm', 'sub/g.markdown'],
      );
    });

    it('accepts explicit files, de-duplicates and sorts across inputs', async () => {
      const explicit = path.join(root, 'a.txt');
      const hiddenExplicit = path.join(root, '.hidden.md');
      const files = await listDocumentFiles([path.join(root, 'sub', 'deeper'), explicit, hiddenExplicit, path.join(root, 'sub')]);
      assert.deepEqual(files, [
        hiddenExplicit,
        explicit,
        path.join(root, 'sub', 'c.html'),
        path.join(root, 'sub', 'deeper', 'd.pdf'),
        path.join(root, 'sub', 'deeper', 'e.docx'),
        path.join(root, 'sub', 'deeper', 'f.htm'),
        path.join(root, 'sub', 'g.markdown'),
      ]);
    });

    it('returns an empty list for an empty folder or no inputs', async () => {
      assert.deepEqual(await listDocumentFiles([path.join(root, 'empty-folder')]), []);
      assert.deepEqual(await listDocumentFiles([]), []);
    });

    it('rejects a path that does not exist with NOT_FOUND', async () => {
      const err = await rejectsWithCode(listDocumentFiles([root, path.join(root, 'nope')]), 'NOT_FOUND');
      assert.equal(err.filePath, path.join(root, 'nope'));
    });

    it('rejects an explicitly named unsupported file with UNSUPPORTED_TYPE', async () => {
      await rejectsWithCode(listDocumentFiles([path.join(root, 'sub', 'budget.xlsx')]), 'UNSUPPORTED_TYPE');
    });

    it('lists files that loadDocument can load', async () => {
      const files = await listDocumentFiles([path.join(root, 'b.md'), path.join(root, 'a.txt')]);
      const docs = await Promise.all(files.map((f) => loadDocument(f)));
      assert.deepEqual(
        docs.map((d) => [d.title, d.text]),
        [
          ['a', 'A'],
          ['B', '# B'],
        ],
      );
    });
  });
});
