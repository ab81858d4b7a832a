import { randomUUID } from 'node:crypto';
import type { Runnable } from '@langchain/core/runnables';
import type { DataSource } from 'typeorm';
import { createAnswerer } from '../../src/ai/answer-chain';
import type { Answer, AnswerInput } from '../../src/ai/answer-types';
import type { EmbeddingProvider } from '../../src/ai/embedding-provider';
import { HybridRetriever, tuningFor } from '../../src/ai/hybrid-retriever';
import { LocalEmbeddings } from '../../src/ai/local-embeddings';
import { ConversationService } from '../../src/core/conversation-service';
import type { IncomingMessage } from '../../src/core/messages';
import { Recommender } from '../../src/core/recommender';
import { createLogger, type Logger, silentLogger } from '../../src/observability/logger';

let local: LocalEmbeddings | undefined;
/** The real offline embedder, shared (its table loads once). */
export function localProvider(): EmbeddingProvider {
  local ??= new LocalEmbeddings();
  return { id: local.embedderId, embeddings: local };
}

export function makeService(
  ds: DataSource,
  over: { answerer?: Runnable<AnswerInput, Answer>; provider?: EmbeddingProvider; logger?: Logger } = {},
): ConversationService {
  const provider = over.provider ?? localProvider();
  return new ConversationService({
    ds,
    retriever: new HybridRetriever(provider, tuningFor(provider.id)),
    answerer: over.answerer ?? createAnswerer({ timeoutMs: 1000 }),
    recommender: new Recommender(),
    logger: over.logger ?? (process.env.TEST_LOG ? createLogger('debug') : silentLogger),
  });
}

/** Inserts content embedded by the real provider, as the ingestion would. */
export async function addContent(
  ds: DataSource,
  items: Array<{ title: string; content: string; contentType?: string; metadata?: object }>,
  provider = localProvider(),
): Promise<string[]> {
  const vectors = await provider.embeddings.embedDocuments(items.map((i) => `${i.title}\n${i.content}`));
  const ids: string[] = [];
  for (const [i, item] of items.entries()) {
    const [row] = await ds.query(
      `INSERT INTO learning_content (title, content, content_type, embedding, embedding_model, metadata, source_service)
       VALUES ($1, $2, $3, $4::vector, $5, $6, 'test') RETURNING id`,
      [
        item.title,
        item.content,
        item.contentType ?? 'tutorial',
        `[${vectors[i].join(',')}]`,
        provider.id,
        JSON.stringify(item.metadata ?? {}),
      ],
    );
    ids.push(row.id);
  }
  return ids;
}

export function message(over: Partial<IncomingMessage> = {}): IncomingMessage {
  return {
    channel: 'console',
    tenantId: 'T-test',
    platformUserId: `U-${randomUUID().slice(0, 8)}`,
    conversationId: `C-${randomUUID().slice(0, 8)}`,
    threadId: null,
    messageId: randomUUID(),
    text: 'hello',
    ...over,
  };
}
