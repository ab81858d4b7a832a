import { createHash } from 'node:crypto';
import type { EmbeddingProvider } from '../../ai/embedding-provider';
import type { AssessmentRow } from '../../db/repositories/quiz-repository';
import type { Logger } from '../../observability/logger';
import { normalizeName, tokens } from './name-match';
import { stripQuiz, validQuestions } from './quiz-questions';

const CACHE_MAX = 5000;

export interface QuizTopicMatcherOptions {
  provider: EmbeddingProvider;
  logger: Logger;
  /** the best quiz must reach this score, or beat the runner-up by `minMargin` (defaults 0.2 / 0.1) */
  minTopicScore?: number;
  minMargin?: number;
}

/**
 * Finds the quiz a topic is about. Embeds each quiz (title, topic, linked skill/course, description,
 * question texts, never the answers) on the fly and keeps the vectors in memory per embedder: quizzes
 * stay out of the learning_content corpus, so the Q&A retrieval never quotes a quiz (or its answer
 * key) as a source, and nothing has to be re-embedded when the embedder changes. A light name match
 * is added to the cosine so "python fundamentals" finds that course's quiz, not the Python skill's.
 */
export class QuizTopicMatcher {
  private readonly vectors = new Map<string, number[]>();

  constructor(private readonly opts: QuizTopicMatcherOptions) {}

  /** The quiz closest to the topic, or undefined when none is clearly about it. */
  async match(topic: string, assessments: AssessmentRow[]): Promise<AssessmentRow | undefined> {
    const q = normalizeName(topic);
    // Exact name of a quiz or of its skill/course: no embedding needed.
    const exact = assessments.filter((a) =>
      [a.title, a.course_title, a.skill_name, stripQuiz(a.title)].some((n) => n && normalizeName(n) === q),
    );
    if (exact.length)
      return exact.sort(
        (a, b) =>
          Number(Boolean(b.course_title && normalizeName(b.course_title) === q)) -
          Number(Boolean(a.course_title && normalizeName(a.course_title) === q)),
      )[0];

    let sims: number[];
    try {
      const [queryVector, docVectors] = await Promise.all([this.opts.provider.embeddings.embedQuery(topic), this.quizVectors(assessments)]);
      sims = docVectors.map((v) => cosine(queryVector, v));
    } catch (err) {
      this.opts.logger.warn({ err }, 'embedding for quiz topic matching failed; matching by words only');
      sims = assessments.map(() => 0);
    }
    const qWords = tokens(topic);
    const scored = assessments
      .map((a, i) => {
        const words = new Set(tokens([a.title, a.skill_name ?? '', a.course_title ?? '', String(a.metadata?.topic ?? '')].join(' ')));
        const overlap = qWords.length ? qWords.filter((w) => words.has(w)).length / qWords.length : 0;
        return { a, score: sims[i] + 0.25 * overlap };
      })
      .sort((x, y) => y.score - x.score);
    const [best, second] = scored;
    const minScore = this.opts.minTopicScore ?? 0.2;
    const minMargin = this.opts.minMargin ?? 0.1;
    if (best && (best.score >= minScore || best.score - (second?.score ?? 0) >= minMargin)) return best.a;
    return undefined;
  }

  private async quizVectors(assessments: AssessmentRow[]): Promise<number[][]> {
    const texts = assessments.map(quizText);
    const keys = texts.map((t) => `${this.opts.provider.id}:${createHash('sha1').update(t).digest('hex')}`);
    const missing = [...new Set(keys.filter((k) => !this.vectors.has(k)))];
    if (missing.length) {
      const missingTexts = missing.map((k) => texts[keys.indexOf(k)]);
      const vectors = await this.opts.provider.embeddings.embedDocuments(missingTexts);
      if (this.vectors.size + missing.length > CACHE_MAX) this.vectors.clear();
      missing.forEach((k, i) => {
        this.vectors.set(k, vectors[i]);
      });
    }
    return keys.map((k) => this.vectors.get(k)!);
  }
}

function quizText(a: AssessmentRow): string {
  return [a.title, a.skill_name, a.course_title, a.metadata?.topic, a.description, ...validQuestions(a.questions).map((q) => q.text)]
    .filter((x) => typeof x === 'string' && x)
    .join('\n');
}

function cosine(a: number[], b: number[]): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
