// Loading learning-content files from disk into plain text plus metadata.
// Pure apart from reading the file system: no database access here. The formats are parsed in
// document-formats.ts, files are found and read in document-files.ts.

import * as path from 'node:path';
import { listDocumentFiles, readFileOrThrow } from './document-files';
import { type ParsedFile, parseDocx, parseHtml, parseMarkdown, parsePdf } from './document-formats';
import {
  type ContentType,
  checkContentType,
  DEFAULT_CONTENT_TYPE,
  IngestError,
  isSupportedExtension,
  SUPPORTED_EXTENSIONS,
} from './document-model';
import { blankToUndefined, decodeText, tidyText } from './document-text';

export * from './document-model';
export { listDocumentFiles };

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
