import type { Config } from '../../config';
import type { ConversationService } from '../../core/conversation-service';
import type { IdentityService } from '../../core/identity-service';
import type { InteractionService } from '../../core/interaction-service';
import type { LearningLoop } from '../../core/learning';
import type { AppDataSource } from '../../db/data-source';
import type { JobQueue } from '../../jobs/job-queue';
import type { Logger } from '../../observability/logger';

/** What the web console needs from the composition root (src/app.ts builds every piece). */
export interface WebDeps {
  config: Config;
  logger: Logger;
  ds: AppDataSource;
  conversation: ConversationService;
  interactions: InteractionService;
  identities: IdentityService;
  learning: LearningLoop;
  queue: JobQueue;
  /** the running embedder's id (EmbeddingProvider.id), for the status page's embedder card */
  embedderId: string;
  /** which chat platforms this process serves (src/index.ts knows after creating the channels) */
  platforms: { slack: boolean; teams: boolean };
}
