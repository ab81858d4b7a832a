import type { DataSource } from 'typeorm';
import type { EmbeddingProvider } from '../../ai/embedding-provider';
import type { HybridRetriever } from '../../ai/hybrid-retriever';
import type { Logger } from '../../observability/logger';
import type { Recommender } from '../recommender';
import { DashboardService } from './dashboard-service';
import { ProgressService } from './progress-service';
import { QuizService } from './quiz-service';
import { ReportService } from './report-service';

export * from './commands';
export * from './dashboard-service';
export * from './progress-service';
export * from './quiz-service';
export * from './report-service';

/** The learning loop's services, platform-neutral: channel adapters render what they return. */
export interface LearningLoop {
  progress: ProgressService;
  reports: ReportService;
  quizzes: QuizService;
  dashboard: DashboardService;
}

export function createLearningLoop(deps: {
  ds: DataSource;
  provider: EmbeddingProvider;
  retriever?: HybridRetriever;
  recommender?: Recommender;
  logger?: Logger;
}): LearningLoop {
  return {
    progress: new ProgressService(deps.ds),
    reports: new ReportService(deps.ds),
    quizzes: new QuizService({ ds: deps.ds, provider: deps.provider, retriever: deps.retriever, logger: deps.logger }),
    dashboard: new DashboardService({ ds: deps.ds, recommender: deps.recommender }),
  };
}
