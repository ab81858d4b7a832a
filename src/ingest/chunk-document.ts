// Splitting a loaded document into overlapping, hash-identified chunks.
// Pure: no I/O, no database.

import * as path from 'node:path';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { chunkHash } from '../db/content-hash';
import { findMarkdownHeadings, IngestError, type LoadedDocument, type MarkdownHeading } from './load-document';

export const DEFAULT_CHUNK_SIZE = 1000;
export const DEFAULT_CHUNK_OVERLAP = 150;

export interface ChunkOptions {
  /** Maximum characters per chunk (default 1000). */
  chunkSize?: number;
  /** Characters shared by neighbouring chunks (default 150, capped at 15% of a smaller chunkSize). */
  chunkOverlap?: number;
}

export interface Chunk {
  /** Document title, plus " (part i/n)" when the document has more than one chunk. */
  title: string;
  content: string;
  /** 0-based position of the chunk in the document. */
  index: number;
  /** Number of chunks in the document. */
  count: number;
  /** sha256 hex of `title + '\n' + content`. */
  hash: string;
  /** Document metadata plus source_path, chunk_index, chunk_count and section. */
  metadata: Record<string, unknown>;
}

/**
 * Splits a document into chunks of at most `chunkSize` characters. Markdown
 * documents are split on Markdown structure first (headings, code blocks,
 * paragraphs), everything else on paragraphs, lines, then words.
 * Whitespace is normalised; chunks without any letter or digit are dropped, and
 * so are heading-only chunks whose heading is the next chunk's `section`.
 */
export async function chunkDocument(doc: LoadedDocument, opts: ChunkOptions = {}): Promise<Chunk[]> {
  const { chunkSize, chunkOverlap } = resolveOptions(opts);
  const markdown = isMarkdownPath(doc.path);
  const text = normaliseWhitespace(doc.text);
  if (!text) return [];

  const splitter = markdown
    ? RecursiveCharacterTextSplitter.fromLanguage('markdown', { chunkSize, chunkOverlap })
    : new RecursiveCharacterTextSplitter({ chunkSize, chunkOverlap });
  const rawPieces = (await splitter.splitText(text))
    .map((piece) => piece.replace(/\n{3,}/g, '\n\n').trim())
    .filter((piece) => piece.length > 0);

  const headings = markdown ? findMarkdownHeadings(text) : [];
  const rawSections = locateSections(text, rawPieces, headings, chunkOverlap);

  const pieces: string[] = [];
  const sections: Array<string | null> = [];
  rawPieces.forEach((piece, i) => {
    // Nothing to retrieve: only punctuation / markup such as "---" or "***".
    if (!/[\p{L}\p{N}]/u.test(piece)) return;
    // A heading split off from a section too long to share its chunk: the next
    // chunk carries that heading as its section, so this one adds nothing.
    if (markdown && i + 1 < rawPieces.length) {
      const own = headingsOnly(piece);
      if (own && rawSections[i + 1] === own[own.length - 1].text) return;
    }
    pieces.push(piece);
    sections.push(rawSections[i]);
  });

  const count = pieces.length;
  return pieces.map((content, index) => {
    const title = count > 1 ? `${doc.title} (part ${index + 1}/${count})` : doc.title;
    return {
      title,
      content,
      index,
      count,
      hash: chunkHash(title, content),
      metadata: {
        ...doc.metadata,
        source_path: doc.path,
        chunk_index: index,
        chunk_count: count,
        section: sections[index],
      },
    };
  });
}

/** sha256 hex of `title + '\n' + content`, the identity of a stored chunk (defined beside the table it identifies). */
export { chunkHash };

/**
 * Line endings to \n, exotic spaces to plain spaces, zero-width characters removed,
 * runs of spaces/tabs inside a line collapsed (leading indentation kept for lists
 * and code), trailing spaces removed, at most one blank line in a row, trimmed.
 */
export function normaliseWhitespace(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: zero-width characters and NUL are removed on purpose
      .replace(/[\u200B-\u200D\u2060\uFEFF\u0000]/g, '')
      .split('\n')
      .map((line) => {
        const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
        const rest = line
          .slice(indent.length)
          .replace(/[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000\f\v]/g, ' ')
          .replace(/[ \t]+/g, ' ')
          .trim();
        return rest ? indent + rest : '';
      })
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

function resolveOptions(opts: ChunkOptions): { chunkSize: number; chunkOverlap: number } {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new IngestError('BAD_CHUNK_OPTIONS', `chunkSize must be a positive whole number of characters (got ${chunkSize}).`);
  }
  const chunkOverlap = opts.chunkOverlap ?? Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize * 0.15));
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0 || chunkOverlap >= chunkSize) {
    throw new IngestError(
      'BAD_CHUNK_OPTIONS',
      `chunkOverlap must be a whole number from 0 to ${chunkSize - 1} (less than chunkSize); got ${chunkOverlap}.`,
    );
  }
  return { chunkSize, chunkOverlap };
}

/** The headings of a piece made of nothing but heading lines, else null. */
function headingsOnly(piece: string): MarkdownHeading[] | null {
  const lines = piece.split('\n').filter((line) => line.trim() !== '');
  const headings = findMarkdownHeadings(piece);
  return headings.length > 0 && headings.length === lines.length ? headings : null;
}

function isMarkdownPath(filePath: string): boolean {
  const ext = path.extname(filePath).toLowerCase();
  return ext === '.md' || ext === '.markdown';
}

/**
 * For each chunk, the text of the nearest Markdown heading at or before the
 * point where the chunk's own content begins (its start, looking past a possible
 * overlap with the previous chunk), or null when there is none.
 */
function locateSections(text: string, pieces: string[], headings: MarkdownHeading[], chunkOverlap: number): Array<string | null> {
  if (headings.length === 0) return pieces.map(() => null);
  let cursor = 0;
  let lastStart = 0;
  return pieces.map((piece, i) => {
    let start = text.indexOf(piece, cursor);
    if (start < 0) start = text.indexOf(piece.slice(0, 40), cursor);
    if (start < 0) start = lastStart;
    lastStart = start;
    cursor = start + 1;
    const reference = i === 0 ? start : start + Math.min(chunkOverlap, Math.max(0, piece.length - 1));
    let section: string | null = null;
    for (const h of headings) {
      if (h.offset > reference) break;
      section = h.text;
    }
    return section;
  });
}
