import type { DataSource, EntityManager } from 'typeorm';
import {
  adoptionByDepartment,
  type ConfidenceDistribution,
  type ContentCitations,
  confidenceDistribution,
  contentCitations,
  contentGaps,
  type DailyChannelRow,
  type DepartmentAdoptionRow,
  type FeedbackSummary,
  feedbackSummary,
  type GapRow,
  type InsightsRange,
  questionsPerDay,
} from '../../../db/repositories/insights-repository';
import { inServiceScope } from '../../../db/user-scope';

/** How much of each list the page shows (the CSV export has everything). */
export const PAGE_LIMITS = { gaps: 20, gapExamples: 3, mostCited: 10, neverCited: 20 } as const;

export interface Insights {
  perDay: DailyChannelRow[];
  confidence: ConfidenceDistribution;
  feedback: FeedbackSummary;
  gaps: GapRow[];
  content: ContentCitations;
  adoption: DepartmentAdoptionRow[];
}

/**
 * Everything the insights page shows. The six queries run side by side, each in its own service-scope
 * transaction (six pooled connections for the moment): on PostgreSQL the page then takes about as long as
 * its slowest query rather than their sum (bench/insights.ts). The price: each query sees its own snapshot,
 * so a turn logged during the request may be counted by one chart and not yet by another.
 * The service scope reads every person's turns: only call this for a viewer already checked to be an admin.
 */
export async function loadInsights(ds: DataSource, range: InsightsRange): Promise<Insights> {
  const run = <T>(work: (m: EntityManager) => Promise<T>) => inServiceScope(ds, work);
  const [perDay, confidence, feedback, gaps, content, adoption] = await Promise.all([
    run((m) => questionsPerDay(m, range)),
    run((m) => confidenceDistribution(m, range)),
    run((m) => feedbackSummary(m, range)),
    run((m) => contentGaps(m, range, { limit: PAGE_LIMITS.gaps, examples: PAGE_LIMITS.gapExamples })),
    run((m) => contentCitations(m, range, { top: PAGE_LIMITS.mostCited, never: PAGE_LIMITS.neverCited })),
    run((m) => adoptionByDepartment(m, range)),
  ]);
  return { perDay, confidence, feedback, gaps, content, adoption };
}
