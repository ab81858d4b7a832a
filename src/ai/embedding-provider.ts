import type { Embeddings } from '@langchain/core/embeddings';
import { OpenAIEmbeddings } from '@langchain/openai';
import { toSql } from 'pgvector';
import type { Config } from '../config';
import { LocalEmbeddings } from './local-embeddings';

export const EMBEDDING_DIMENSIONS = 1536;

/** An Embeddings implementation plus the id stored beside every vector it makes (vectors of different models must never be compared). */
export interface EmbeddingProvider {
  id: string;
  embeddings: Embeddings;
}

export function createEmbeddingProvider(
  config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_EMBEDDING_MODEL' | 'LLM_TIMEOUT_MS'> &
    Partial<Pick<Config, 'EMBEDDING_PROVIDER'>>,
  onWarning?: (msg: string) => void,
): EmbeddingProvider {
  // 'local' keeps the offline embedder beside a chat model (e.g. a provider without an embeddings endpoint).
  if (!config.OPENAI_API_KEY || config.EMBEDDING_PROVIDER === 'local') {
    // embedderId says whether the GloVe table loaded; vectors made without it are a different model.
    const local = new LocalEmbeddings({ onWarning: (msg) => onWarning?.(msg) });
    return { id: local.embedderId, embeddings: local };
  }
  const model = config.OPENAI_EMBEDDING_MODEL;
  return {
    // The base URL is part of the identity: the same model name on another server may be another model.
    id: `openai:${model}@${config.OPENAI_BASE_URL ?? 'api.openai.com'}`,
    embeddings: new OpenAIEmbeddings({
      apiKey: config.OPENAI_API_KEY,
      model,
      // text-embedding-3-* can shorten to 1536; the column is vector(1536).
      dimensions: model.startsWith('text-embedding-3') ? EMBEDDING_DIMENSIONS : undefined,
      batchSize: 256,
      maxRetries: 2,
      timeout: config.LLM_TIMEOUT_MS,
      configuration: config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : undefined,
    }),
  };
}

/** pgvector's text form of a vector ('[1,2,3]'), for a `$n::vector` parameter; the same conversion as the entities' vector columns. */
export const vectorLiteral = (v: number[]): string => toSql(v) as string;
