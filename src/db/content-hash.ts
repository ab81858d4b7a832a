import { createHash } from 'node:crypto';

/**
 * sha256 hex of `title + '\n' + content`: the identity of a stored learning_content row
 * (learning_content.content_hash). Ingest compares chunks with it, the catalogue sync its rows.
 */
export function chunkHash(title: string, content: string): string {
  return createHash('sha256').update(`${title}\n${content}`, 'utf8').digest('hex');
}
