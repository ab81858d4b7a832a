import type { DataSource } from 'typeorm';
import {
  adoptionByDepartment,
  type CitedContentRow,
  type ConfidenceDistribution,
  confidenceDistribution,
  contentGaps,
  type DailyChannelRow,
  type DepartmentAdoptionRow,
  type FeedbackSummary,
  feedbackSummary,
  type GapRow,
  type InsightsRange,
  mostCitedContent,
  type NeverCitedRow,
  neverCitedContent,
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
  mostCited: CitedContentRow[];
  neverCited: NeverCitedRow[];
  adoption: DepartmentAdoptionRow[];
}

/**
 * Everything the insights page shows, in one service-scope transaction (one consistent snapshot). The
 * service scope reads every person's turns: only call this for a viewer already checked to be an admin.
 */
export function loadInsights(ds: DataSource, range: InsightsRange): Promise<Insights> {
  return inServiceScope(ds, async (m) => ({
    perDay: await questionsPerDay(m, range),
    confidence: await confidenceDistribution(m, range),
    feedback: await feedbackSummary(m, range),
    gaps: await contentGaps(m, range, { limit: PAGE_LIMITS.gaps, examples: PAGE_LIMITS.gapExamples }),
    mostCited: await mostCitedContent(m, range, PAGE_LIMITS.mostCited),
    neverCited: await neverCitedContent(m, range, PAGE_LIMITS.neverCited),
    adoption: await adoptionByDepartment(m, range),
  }));
}
