// Loading learning-content files from disk into plain text plus metadata.
// Pure apart from reading the file system: no database access here.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import matter from 'gray-matter';
import { convert as htmlToText, type HtmlToTextOptions } from 'html-to-text';
import mammoth from 'mammoth';
import { PDFParse } from 'pdf-parse';
import { AppError, type IngestErrorCode } from '../errors';

/** The values allowed in `learning_content.content_type`. */
export const CONTENT_TYPES = ['course', 'lesson', 'skill', 'assessment', 'tutorial', 'reference'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** The content type used when neither front matter nor a default names one. */
export const DEFAULT_CONTENT_TYPE: ContentType = 'reference';

/** File extensions (lower case, with the dot) that `loadDocument` can read. */
export const SUPPORTED_EXTENSIONS = ['.md', '.markdown', '.txt', '.html', '.htm', '.pdf', '.docx'] as const;
export type SupportedExtension = (typeof SUPPORTED_EXTENSIONS)[number];

export type { IngestErrorCode };

/** An ingestion problem with a stable `code` and a message that says what to do about it. */
export class IngestError extends AppError {
  declare readonly code: IngestErrorCode;
  /** The file (or path argument) the error is about, when there is one. */
  readonly filePath?: string;

  constructor(code: IngestErrorCode, message: string, options: { filePath?: string; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.name = 'IngestError';
    if (options.filePath !== undefined) this.filePath = options.filePath;
  }
}

export interface LoadedDocument {
  /** The path as given to `loadDocument`. */
  path: string;
  title: string;
  text: string;
  contentType: ContentType;
  sourceService: string | null;
  metadata: Record<string, unknown>;
}

export interface LoadDefaults {
  /** Content type to use when the file does not set one (e.g. from a CLI flag). */
  contentType?: string;
  /** Source service to use when the file does not set one (e.g. from a CLI flag). */
  sourceService?: string;
}

export function isContentType(value: unknown): value is ContentType {
  return typeof value === 'string' && (CONTENT_TYPES as readonly string[]).includes(value);
}

export function isSupportedExtension(ext: string): ext is SupportedExtension {
  return (SUPPORTED_EXTENSIONS as readonly string[]).includes(ext.toLowerCase());
}

export interface MarkdownHeading {
  level: number;
  text: string;
  /** Character offset of the heading line's start in the scanned text. */
  offset: number;
}

/**
 * ATX headings (`# Title` … `###### Title`) in Markdown text, in order, ignoring
 * lines inside fenced code blocks.
 */
export function findMarkdownHeadings(text: string): MarkdownHeading[] {
  const headings: MarkdownHeading[] = [];
  let fence: string | null = null;
  let offset = 0;
  for (const line of text.split('\n')) {
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1];
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
    } else if (fence === null) {
      const m = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
      if (m) {
        const headingText = collapse(m[2]);
        if (headingText) headings.push({ level: m[1].length, text: headingText, offset });
      }
    }
    offset += line.length + 1;
  }
  return headings;
}

/** Reads one file into a `LoadedDocument`. Throws `IngestError` on any problem. */
export async function loadDocument(filePath: string, defaults: LoadDefaults = {}): Promise<LoadedDocument> {
  const ext = path.extname(filePath).toLowerCase();
  if (!isSupportedExtension(ext)) {
    throw new IngestError(
      'UNSUPPORTED_TYPE',
      `Unsupported file type "${ext || '(no extension)'}" for ${filePath}. ` +
        `Convert it to one of ${SUPPORTED_EXTENSIONS.join(', ')} or leave it out of the ingest.`,
      { filePath },
    );
  }

  const defaultContentType = blankToUndefined(defaults.contentType);
  let fallbackType: ContentType = DEFAULT_CONTENT_TYPE;
  if (defaultContentType !== undefined) {
    fallbackType = checkContentType(defaultContentType, filePath, 'the default content type (--content-type)');
  }
  const fallbackService = blankToUndefined(defaults.sourceService) ?? null;

  const data = await readFileOrThrow(filePath);
  const fileTitle = path.basename(filePath, path.extname(filePath));

  let parsed: { title: string | undefined; text: string; contentType?: ContentType; sourceService?: string; metadata: Record<string, unknown> };
  switch (ext) {
    case '.md':
    case '.markdown':
      parsed = parseMarkdown(data, filePath);
      break;
    case '.txt':
      parsed = { title: undefined, text: decodeText(data), metadata: {} };
      break;
    case '.html':
    case '.htm':
      parsed = parseHtml(data, filePath);
      break;
    case '.pdf':
      parsed = await parsePdf(data, filePath);
      break;
    case '.docx':
      parsed = await parseDocx(data, filePath);
      break;
  }

  const text = tidyText(parsed.text);
  if (!text) {
    throw new IngestError(
      'EMPTY_DOCUMENT',
      `${filePath} has no text to ingest` +
        (ext === '.pdf' ? ' (a scanned PDF needs OCR first)' : '') +
        '. Add content to the file or leave it out of the ingest.',
      { filePath },
    );
  }

  return {
    path: filePath,
    title: parsed.title || fileTitle,
    text,
    contentType: parsed.contentType ?? fallbackType,
    sourceService: parsed.sourceService ?? fallbackService,
    metadata: parsed.metadata,
  };
}

/**
 * Expands files and folders into the sorted list of ingestible files. Folders are
 * walked recursively, skipping hidden entries (".name"), `node_modules` and files
 * with unsupported extensions. A file named explicitly must have a supported
 * extension. Returned paths are built from the arguments (relative stays relative).
 */
export async function listDocumentFiles(pathsOrFolders: string[]): Promise<string[]> {
  const found = new Set<string>();
  const visitedDirs = new Set<string>();

  for (const input of pathsOrFolders) {
    let stat;
    try {
      stat = await fs.stat(input);
    } catch (err) {
      throw fsError(err, input);
    }
    if (stat.isDirectory()) {
      await walk(input, found, visitedDirs);
    } else if (stat.isFile()) {
      if (!isSupportedExtension(path.extname(input))) {
        throw new IngestError(
          'UNSUPPORTED_TYPE',
          `Unsupported file type "${path.extname(input) || '(no extension)'}" for ${input}. ` +
            `Supported: ${SUPPORTED_EXTENSIONS.join(', ')}.`,
          { filePath: input },
        );
      }
      found.add(path.normalize(input));
    } else {
      throw new IngestError('UNSUPPORTED_TYPE', `${input} is neither a file nor a folder. Pass files or folders.`, {
        filePath: input,
      });
    }
  }

  return [...found].sort(compareStrings);
}

// ---------------------------------------------------------------------------

async function walk(dir: string, found: Set<string>, visitedDirs: Set<string>): Promise<void> {
  let real: string;
  let entries;
  try {
    real = await fs.realpath(dir);
    if (visitedDirs.has(real)) return; // symlink loop or the same folder given twice
    visitedDirs.add(real);
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fsError(err, dir);
  }

  entries.sort((a, b) => compareStrings(a.name, b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = await fs.stat(full);
        isDir = target.isDirectory();
        isFile = target.isFile();
      } catch {
        continue; // dangling link
      }
    }
    if (isDir) await walk(full, found, visitedDirs);
    else if (isFile && isSupportedExtension(path.extname(entry.name))) found.add(full);
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fsError(err: unknown, filePath: string): IngestError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new IngestError('NOT_FOUND', `${filePath} does not exist. Check the path and try again.`, {
      filePath,
      cause: err,
    });
  }
  return new IngestError(
    'READ_FAILED',
    `Could not read ${filePath}: ${errorMessage(err)}. Check that it exists and is readable.`,
    { filePath, cause: err },
  );
}

async function readFileOrThrow(filePath: string): Promise<Buffer> {
  try {
    return await fs.readFile(filePath);
  } catch (err) {
    throw fsError(err, filePath);
  }
}

function checkContentType(value: unknown, filePath: string, source: string): ContentType {
  const normalised = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (isContentType(normalised)) return normalised;
  throw new IngestError(
    'BAD_CONTENT_TYPE',
    `Invalid content type ${JSON.stringify(value)} in ${source} for ${filePath}. ` +
      `Use one of: ${CONTENT_TYPES.join(', ')}.`,
    { filePath },
  );
}

function parseMarkdown(
  data: Buffer,
  filePath: string,
): { title: string | undefined; text: string; contentType?: ContentType; sourceService?: string; metadata: Record<string, unknown> } {
  const raw = decodeText(data);
  let file;
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

function parseHtml(data: Buffer, filePath: string): { title: string | undefined; text: string; metadata: Record<string, unknown> } {
  const html = decodeText(data);
  try {
    const titleHtml =
      /<title[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html)?.[1] ?? /<h1[^>]*>([\s\S]*?)<\/h1\s*>/i.exec(html)?.[1];
    const title = titleHtml === undefined ? undefined : collapse(htmlToText(titleHtml, { wordwrap: false })) || undefined;
    return { title, text: htmlToText(html, HTML_OPTIONS), metadata: {} };
  } catch (err) {
    throw new IngestError('PARSE_FAILED', `Could not read the HTML in ${filePath}: ${errorMessage(err)}. Check the file.`, {
      filePath,
      cause: err,
    });
  }
}

async function parsePdf(data: Buffer, filePath: string): Promise<{ title: string | undefined; text: string; metadata: Record<string, unknown> }> {
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

async function parseDocx(data: Buffer, filePath: string): Promise<{ title: string | undefined; text: string; metadata: Record<string, unknown> }> {
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

/** UTF-8 decode without a byte-order mark. */
function decodeText(data: Buffer): string {
  return data.toString('utf8').replace(/^\uFEFF/, '');
}

/** Line endings to \n, no NULs, no trailing spaces, at most one blank line in a row, trimmed. */
function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\u0000/g, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function scalarToString(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return collapse(String(value)) || undefined;
  }
  return undefined;
}

/** Makes YAML values safe to store as JSONB: dates become ISO strings (date only at UTC midnight). */
function toJsonSafe(value: unknown): unknown {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonSafe(v);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
