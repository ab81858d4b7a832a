import type { EntityManager } from 'typeorm';
import type { RecommendationType } from '../db/entities/recommendation.entity';
import {
  findProfileRecommendations,
  findProgressWithTitles,
  findRelatedContent,
  type NearestContentRow,
  RELATED_CONTENT_ROWS,
  relatedContentFromNearest,
} from '../db/repositories/recommendation-repository';
import type { RecommendationCard } from './messages';

export interface RecommendationCandidate {
  type: RecommendationType;
  itemId: string;
  title: string;
  /** cosine similarity of the item's text to the question, if it was found by similarity */
  similarity: number | null;
  /** generate_recommendations' score (progress-aware), if it was proposed there */
  profileScore: number | null;
  profileReason: string | null;
  /** the user's progress on it, 0..100, null when not started */
  progress: number | null;
}

/**
 * Recommends what to learn next: items whose text is close to the question (skills and courses through
 * their catalogue rows in learning_content, and other content), blended with generate_recommendations
 * (progress-aware: not started before in progress, beginner first). Never what the user completed.
 *
 * score = 0.65 * relevance + 0.35 * profile, where relevance maps cosine similarity from the useful
 * range [0.15, 0.65] onto [0, 1] and profile is the function's score (0.2-0.8, or 0 if it did not
 * propose the item). Items found only by the profile keep at most 0.35.
 */
export class Recommender {
  constructor(private readonly opts: { limit?: number } = {}) {}

  /**
   * Reads everything needed, inside the caller's user-scoped transaction. `nearest`: the unfiltered
   * vector list of a search for the same vector in this transaction, most similar first (the
   * retriever's); when it holds at least the 24 rows wanted, or all there are, it replaces a second
   * HNSW search, which at 50k chunks was a sizeable part of a turn (bench/README.md, issue 11).
   */
  async candidates(
    m: EntityManager,
    userId: string,
    queryVector: number[] | undefined,
    excludeContentIds: string[],
    nearest?: { rows: NearestContentRow[]; asked: number } | null,
  ): Promise<{ candidates: RecommendationCandidate[]; completed: string[] }> {
    const progress = await findProgressWithTitles(m, userId);
    const progressOf = new Map(progress.map((p) => [(p.skill_id ?? p.course_id) as string, p]));
    const done = new Set(progress.filter((p) => p.completed_at).map((p) => (p.skill_id ?? p.course_id) as string));

    const byKey = new Map<string, RecommendationCandidate>();
    const upsert = (c: Omit<RecommendationCandidate, 'progress'>) => {
      if (done.has(c.itemId)) return;
      const key = `${c.type}:${c.itemId}`;
      const prev = byKey.get(key);
      byKey.set(
        key,
        prev
          ? {
              ...prev,
              similarity: maxOrNull(prev.similarity, c.similarity),
              profileScore: prev.profileScore ?? c.profileScore,
              profileReason: prev.profileReason ?? c.profileReason,
            }
          : { ...c, progress: progressOf.get(c.itemId)?.progress ?? null },
      );
    };

    if (queryVector) {
      // Skill and course rows (catalogue entries, course overviews) stand for their catalogue item: name it by the catalogue.
      const reusable = nearest && (nearest.asked >= RELATED_CONTENT_ROWS || nearest.rows.length < nearest.asked);
      const related = reusable ? await relatedContentFromNearest(m, nearest.rows) : await findRelatedContent(m, queryVector);
      const seenTitles = new Set<string>();
      for (const r of related) {
        if (r.skill_id)
          upsert({
            type: 'skill',
            itemId: r.skill_id,
            title: r.skill_name!,
            similarity: r.similarity,
            profileScore: null,
            profileReason: null,
          });
        else if (r.course_id)
          upsert({
            type: 'course',
            itemId: r.course_id,
            title: r.course_title!,
            similarity: r.similarity,
            profileScore: null,
            profileReason: null,
          });
        else if (!excludeContentIds.includes(r.id)) {
          // One card per document, not per chunk.
          const title = r.title.replace(/\s*\(part \d+\/\d+\)$/, '');
          if (seenTitles.has(title)) continue;
          seenTitles.add(title);
          upsert({ type: 'content', itemId: r.id, title, similarity: r.similarity, profileScore: null, profileReason: null });
        }
      }
    }
    const profile = await findProfileRecommendations(m, userId);
    for (const p of profile)
      upsert({ type: p.type, itemId: p.id, title: p.title, similarity: null, profileScore: p.score, profileReason: p.reason });

    const completed = progress
      .filter((p) => p.completed_at)
      .map((p) => p.title)
      .filter(Boolean);
    return { candidates: [...byKey.values()], completed };
  }

  /** Ranks the candidates and writes a reason a person understands. Pure. */
  pick(candidates: RecommendationCandidate[], question: string, completed: string[]): Array<Omit<RecommendationCard, 'id'>> {
    const topic = topicOf(question);
    const scored = candidates
      .map((c) => {
        const relevance = c.similarity === null ? 0 : clamp01((c.similarity - 0.15) / 0.5);
        const score = round2(clamp01(0.65 * relevance + 0.35 * (c.profileScore ?? 0)));
        return { c, relevance, score };
      })
      .sort((a, b) => b.score - a.score || a.c.title.localeCompare(b.c.title));

    // At most two of one type, so a question yields a mix of skill, course and content when there is one.
    const limit = this.opts.limit ?? 3;
    const picked: typeof scored = [];
    const perType = new Map<string, number>();
    for (const s of scored) {
      if (picked.length >= limit) break;
      if ((perType.get(s.c.type) ?? 0) >= 2) continue;
      perType.set(s.c.type, (perType.get(s.c.type) ?? 0) + 1);
      picked.push(s);
    }
    return picked.map(({ c, relevance, score }) => ({
      type: c.type,
      itemId: c.itemId,
      title: c.title,
      score,
      reason: reasonFor(c, relevance, topic, completed),
    }));
  }
}

function reasonFor(c: RecommendationCandidate, relevance: number, topic: string, completed: string[]): string {
  if (c.progress !== null && c.progress > 0) return `You're ${Math.round(c.progress)}% through this: pick up where you left off`;
  if (relevance >= 0.2 && topic) return `Related to your question about “${topic}”`;
  if (completed.length) return `Next step after ${completed[completed.length - 1]}`;
  return c.profileReason ?? 'Popular starting point';
}

/** A short phrase naming what the question is about, for reasons like "related to your question about …". */
export function topicOf(question: string): string {
  const cleaned = question
    .replace(/\s+/g, ' ')
    .replace(/^(hi|hello|hey)[,!\s]+/i, '')
    .replace(
      /^(can you |could you |please )?(tell me |explain |show me )?(how (do|can|should) (i|we|you) |what (is|are) (a |an |the )?|why (is|are|do|does) |when should (i|we) )/i,
      '',
    )
    .replace(/[?!.]+$/, '')
    .trim();
  if (cleaned.length <= 60) return cleaned;
  return `${cleaned.slice(0, 57).replace(/\s+\S*$/, '')}…`;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const round2 = (x: number) => Math.round(x * 100) / 100;
const maxOrNull = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
