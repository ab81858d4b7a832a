import type { DataSource } from 'typeorm';
import type { HybridRetriever } from '../../ai/hybrid-retriever';
import type { AssessmentRow } from '../../db/repositories/quiz-repository';
import { findProfileRecommendations, insertRecommendation } from '../../db/repositories/recommendation-repository';
import type { QuizQuestion } from '../../db/seed-assessments';
import { inUserScope } from '../../db/user-scope';
import type { Logger } from '../../observability/logger';
import type { RecommendationCard } from '../messages';
import { linkedTitle, stripQuiz } from './quiz-questions';

/**
 * What to study after a quiz. Missed questions: the learning content closest to them (reading first,
 * else the quiz's skill or course). All right: the next skill or course from generate_recommendations.
 * Stored in `recommendations` so a click is tracked like any other.
 */
export class QuizSuggester {
  constructor(private readonly deps: { ds: DataSource; retriever: HybridRetriever; logger: Logger }) {}

  async suggestNext(userId: string, assessment: AssessmentRow, missed: QuizQuestion[]): Promise<RecommendationCard | null> {
    let queryVector: number[] | undefined;
    const query = missed.map((q) => `${q.text} ${q.explanation}`).join('\n');
    if (missed.length) {
      // Before the transaction: an embedding call must not hold a connection.
      try {
        queryVector = await this.deps.retriever.embedQuery(query);
      } catch (err) {
        this.deps.logger.warn({ err }, 'embedding missed questions failed; searching by keywords');
      }
    }
    return inUserScope(this.deps.ds, userId, async (m) => {
      let pick: Omit<RecommendationCard, 'id'> | null = null;
      if (missed.length) {
        const passages = await this.deps.retriever.search(m, query, {
          k: 3,
          contentTypes: ['tutorial', 'lesson', 'reference'],
          queryVector,
          mode: queryVector ? 'hybrid' : 'text',
        });
        const top = passages[0];
        const topic = linkedTitle(assessment) ?? stripQuiz(assessment.title);
        if (top) {
          pick = {
            type: 'content',
            itemId: top.id,
            title: top.title.replace(/\s*\(part \d+\/\d+\)$/, ''),
            score: clamp01(top.similarity ?? 0.5),
            reason: `Covers what you missed in the ${topic} quiz`,
          };
        } else if (assessment.skill_id || assessment.course_id) {
          pick = {
            type: assessment.skill_id ? 'skill' : 'course',
            itemId: (assessment.skill_id ?? assessment.course_id)!,
            title: topic,
            score: 0.5,
            reason: `Review ${topic} and try the quiz again`,
          };
        }
      } else {
        const recs = await findProfileRecommendations(m, userId, 5);
        const next = recs.find((r) => r.id !== assessment.skill_id && r.id !== assessment.course_id);
        if (next)
          pick = {
            type: next.type,
            itemId: next.id,
            title: next.title,
            score: clamp01(next.score),
            reason: `Next step after ${linkedTitle(assessment) ?? assessment.title}`,
          };
      }
      if (!pick) return null;
      const id = await insertRecommendation(m, { userId, type: pick.type, itemId: pick.itemId, score: pick.score, reason: pick.reason });
      return { id, ...pick };
    });
  }
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
