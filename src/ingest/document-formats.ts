// The file formats loadDocument reads: Markdown (with YAML front matter), HTML, PDF and Word (.docx).
// Each parser returns the raw text, a title if the file names one, and metadata; loadDocument tidies the text.

import matter from 'gray-matter';
import { type HtmlToTextOptions, convert as htmlToText } from 'html-to-text';
import mammoth from 'mammoth';
import { PDFParse } from 'pdf-parse';
import { type ContentType, checkContentType, findMarkdownHeadings, IngestError } from './document-model';
import { collapse, decodeText, errorMessage, scalarToString, toJsonSafe } from './document-text';

/** What a parser found in a file. */
export interface ParsedFile {
  title: string | undefined;
  text: string;
  /** from front matter (Markdown only) */
  contentType?: ContentType;
  /** from front matter (Markdown only) */
  sourceService?: string;
  metadata: Record<string, unknown>;
}

export function parseMarkdown(data: Buffer, filePath: string): ParsedFile {
  const raw = decodeText(data);
  let file: matter.GrayMatterFile<string>;
  try {
    // Passing options (even empty) stops gray-matter from caching every file it parses.
    file = matter(raw, {});
  } catch (err) {
    throw new IngestError(
      'PARSE_FAILED',
      `Invalid YAML front matter in ${filePath}: ${errorMessage(err)}. Fix the block between the "---" lines.`,
      { filePath, cause: err },
    );
  }

  const { title, content_type, source_service, ...rest } = (file.data ?? {}) as Record<string, unknown>;
  const frontTitle = scalarToString(title);
  const contentType =
    content_type === undefined || content_type === null || content_type === ''
      ? undefined
      : checkContentType(content_type, filePath, 'the front matter field content_type');
  const sourceService = scalarToString(source_service);
  const body = file.content;
  const h1 = findMarkdownHeadings(body.replace(/\r\n?/g, '\n')).find((h) => h.level === 1);

  return {
    title: frontTitle ?? h1?.text,
    text: body,
    contentType,
    sourceService,
    metadata: toJsonSafe(rest) as Record<string, unknown>,
  };
}

const HTML_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'nav', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
};

export function parseHtml(data: Buffer, filePath: string): ParsedFile {
  const html = decodeText(data);
  try {
    const titleHtml = /<title[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html)?.[1] ?? /<h1[^>]*>([\s\S]*?)<\/h1\s*>/i.exec(html)?.[1];
    const title = titleHtml === undefined ? undefined : collapse(htmlToText(titleHtml, { wordwrap: false })) || undefined;
    return { title, text: htmlToText(html, HTML_OPTIONS), metadata: {} };
  } catch (err) {
    throw new IngestError('PARSE_FAILED', `Could not read the HTML in ${filePath}: ${errorMessage(err)}. Check the file.`, {
      filePath,
      cause: err,
    });
  }
}

export async function parsePdf(data: Buffer, filePath: string): Promise<ParsedFile> {
  const parser = new PDFParse({ data });
  try {
    const info = await parser.getInfo();
    const result = await parser.getText({ pageJoiner: '' });
    const infoTitle = scalarToString((info.info as Record<string, unknown> | undefined)?.Title);
    const title = infoTitle && !/^untitled$/i.test(infoTitle) ? infoTitle : undefined;
    return { title, text: result.text, metadata: {} };
  } catch (err) {
    const isPassword = err instanceof Error && err.name === 'PasswordException';
    throw new IngestError(
      'PARSE_FAILED',
      isPassword
        ? `${filePath} is password protected. Remove the password and ingest it again.`
        : `Could not read ${filePath} as a PDF (${errorMessage(err)}). The file may be corrupt: re-export it and try again.`,
      { filePath, cause: err },
    );
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

export async function parseDocx(data: Buffer, filePath: string): Promise<ParsedFile> {
  let text: string;
  try {
    text = (await mammoth.extractRawText({ buffer: data })).value;
  } catch (err) {
    throw new IngestError(
      'PARSE_FAILED',
      `Could not read ${filePath} as a Word document (${errorMessage(err)}). ` +
        'Make sure it is a .docx (not an old .doc renamed) and re-save it if it is corrupt.',
      { filePath, cause: err },
    );
  }
  const firstLine = text
    .split(/\r?\n/)
    .map(collapse)
    .find((line) => line.length > 0);
  const title = firstLine && firstLine.length <= 200 ? firstLine : undefined;
  return { title, text, metadata: {} };
}
