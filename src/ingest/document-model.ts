// The document model shared by the loader and its format parsers: content types, supported
// extensions, the ingestion error, and the Markdown heading scan. Imports nothing from the loader,
// so the loader's parts (document-files, document-formats) depend on this file, not on each other.

import { AppError, type IngestErrorCode } from '../errors';
import { collapse } from './document-text';

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

/** A content type from a flag or front matter, normalised, or a BAD_CONTENT_TYPE IngestError naming where it came from. */
export function checkContentType(value: unknown, filePath: string, source: string): ContentType {
  const normalised = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (isContentType(normalised)) return normalised;
  throw new IngestError(
    'BAD_CONTENT_TYPE',
    `Invalid content type ${JSON.stringify(value)} in ${source} for ${filePath}. ` + `Use one of: ${CONTENT_TYPES.join(', ')}.`,
    { filePath },
  );
}
