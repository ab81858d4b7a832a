// Loading learning-content files from disk into plain text plus metadata.
// Pure apart from reading the file system: no database access here. The formats are parsed in
// document-formats.ts, files are found and read in document-files.ts.

import * as path from 'node:path';
import { listDocumentFiles, readFileOrThrow } from './document-files';
import { parseDocx, parseHtml, parseMarkdown, parsePdf, type ParsedFile } from './document-formats';
import { blankToUndefined, collapse, decodeText, tidyText } from './document-text';

export { listDocumentFiles };

/** The values allowed in `learning_content.content_type`. */
export const CONTENT_TYPES = ['course', 'lesson', 'skill', 'assessment', 'tutorial', 'reference'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** The content type used when neither front matter nor a default names one. */
export const DEFAULT_CONTENT_TYPE: ContentType = 'reference';

/** File extensions (lower case, with the dot) that `loadDocument` can read. */
export const SUPPORTED_EXTENSIONS = ['.md', '.markdown', '.txt', '.html', '.htm', '.pdf', '.docx'] as const;
export type SupportedExtension = (typeof SUPPORTED_EXTENSIONS)[number];

export type IngestErrorCode =
  | 'NOT_FOUND'
  | 'READ_FAILED'
  | 'UNSUPPORTED_TYPE'
  | 'BAD_CONTENT_TYPE'
  | 'EMPTY_DOCUMENT'
  | 'PARSE_FAILED'
  | 'BAD_CHUNK_OPTIONS';

/** An ingestion problem with a stable `code` and a message that says what to do about it. */
export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly code: IngestErrorCode;
  /** The file (or path argument) the error is about, when there is one. */
  readonly filePath?: string;

  constructor(code: IngestErrorCode, message: string, options: { filePath?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
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

  let parsed: ParsedFile;
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

/** A content type from a flag or front matter, normalised, or a BAD_CONTENT_TYPE IngestError naming where it came from. */
export function checkContentType(value: unknown, filePath: string, source: string): ContentType {
  const normalised = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (isContentType(normalised)) return normalised;
  throw new IngestError(
    'BAD_CONTENT_TYPE',
    `Invalid content type ${JSON.stringify(value)} in ${source} for ${filePath}. ` +
      `Use one of: ${CONTENT_TYPES.join(', ')}.`,
    { filePath },
  );
}
