import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { EmbeddingProvider } from '../../ai/embedding-provider';
import { HybridRetriever } from '../../ai/hybrid-retriever';
import type { QuizQuestion } from '../../db/seed-assessments';
import { inUserScope } from '../../db/user-scope';
import { silentLogger, type Logger } from '../../observability/logger';
import type { RecommendationCard } from '../messages';
import { normalizeName, tokens } from './name-match';
import { formatPercent, type ItemType } from './progress-service';

export interface QuizServiceDeps {
  ds: DataSource;
  /** embeds topics and quizzes for topic matching, and missed questions for the study suggestion */
  provider: EmbeddingProvider;
  /** default: a HybridRetriever over `provider` */
  retriever?: HybridRetriever;
  logger?: Logger;
  /** a submission up to this many seconds after expires_at still counts as on time (message delivery); default 30 */
  graceSeconds?: number;
  /** topic matching: the best quiz must reach this score, or beat the runner-up by `minMargin` (defaults 0.2 / 0.1) */
  minTopicScore?: number;
  minMargin?: number;
}

/** A question as shown to the person: no answer key. */
export interface PublicQuestion {
  id: string;
  text: string;
  choices: Array<{ id: string; text: string }>;
}

export interface QuizInfo {
  assessmentId: string;
  title: string;
  description: string | null;
  difficulty: string | null;
  /** minutes; null = no limit */
  timeLimitMinutes: number | null;
  passingScore: number;
  questionCount: number;
  /** the skill or course the quiz belongs to, if any */
  linkedItem: { type: ItemType; id: string; title: string } | null;
}

export type StartQuizResult =
  | {
      kind: 'started';
      attemptId: string;
      quiz: QuizInfo;
      questions: PublicQuestion[];
      startedAt: Date;
      /** submit before this (plus a short grace period) for the result to count; null = no limit */
      expiresAt: Date | null;
      /** how the quiz was chosen: by the topic asked, by id, or from the person's progress */
      matchedBy: 'topic' | 'id' | 'progress';
      /** true when an open, unexpired attempt of this quiz was handed back instead of a new one */
      resumed: boolean;
      /** e.g. "I have no quiz on “knitting”, so here is one on …" */
      note: string | null;
    }
  | { kind: 'no_quizzes'; message: string }
  | { kind: 'unknown_assessment'; message: string };

export interface QuestionOutcome {
  id: string;
  text: string;
  /** what the person chose (null: unanswered or not one of the choices) */
  chosen: { id: string; text: string } | null;
  correct: boolean;
  /** only for wrong answers: the right choice and why */
  rightAnswer?: { id: string; text: string };
  explanation?: string;
}

export interface ProgressChange {
  itemType: ItemType;
  itemId: string;
  title: string;
  before: number | null;
  after: number;
  completed: boolean;
}

export interface QuizResult {
  resultId: string;
  attemptId: string;
  assessmentId: string;
  title: string;
  /** percent correct, one decimal */
  score: number;
  correctCount: number;
  questionCount: number;
  passingScore: number;
  /** score >= passingScore and on time */
  passed: boolean;
  /** submitted after the time limit (+ grace): recorded, never a pass */
  late: boolean;
  timeTakenSeconds: number;
  submittedAt: Date;
  questions: QuestionOutcome[];
  /** progress raised by this pass (empty otherwise) */
  progress: ProgressChange[];
  /** what to study next, stored in `recommendations` (its id works with InteractionService.clickRecommendation) */
  recommendation: RecommendationCard | null;
  message: string;
}

export type SubmitQuizResult =
  | { kind: 'scored'; result: QuizResult }
  | { kind: 'already_submitted'; result: QuizResult; message: string }
  | { kind: 'unknown_attempt'; message: string }
  | { kind: 'unknown_assessment'; message: string };

interface AssessmentRow {
  id: string;
  title: string;
  description: string | null;
  difficulty: string | null;
  time_limit: number | null;
  passing_score: number | null;
  questions: unknown;
  metadata: Record<string, unknown> | null;
  skill_id: string | null;
  skill_name: string | null;
  skill_level: number | null;
  course_id: string | null;
  course_title: string | null;
  course_difficulty: string | null;
}

interface UserQuizState {
  progress: Map<string, number>;
  passed: Set<string>;
  lastAttempt: Map<string, number>;
}

const ASSESSMENT_SELECT = `
  SELECT a.id, a.title, a.description, a.difficulty, a.time_limit, a.passing_score, a.questions, a.metadata,
         s.id AS skill_id, s.name AS skill_name, s.level AS skill_level, c.id AS course_id, c.title AS course_title, c.difficulty AS course_difficulty
    FROM assessments a
    LEFT JOIN skills s ON s.id = a.metadata->>'skill_id'
    LEFT JOIN courses c ON c.id = a.metadata->>'course_id'`;

const FILLER = new Set(['quiz', 'quizzes', 'test', 'me', 'on', 'about', 'a', 'an', 'the', 'for', 'in', 'of', 'please', 'some', 'give', 'start', 'take', 'new', 'course', 'skill']);
const DEFAULT_PASSING = 70;
const CACHE_MAX = 5000;

/**
 * Quizzes: pick one (by topic, by id, or from the person's progress), start a timed attempt, score a
 * submission once, raise progress on a pass and suggest what to study next. All reads and writes run
 * in the person's user scope.
 *
 * Topic matching embeds each quiz (title, topic, linked skill/course, description, question texts,
 * never the answers) on the fly and keeps the vectors in memory per embedder: quizzes stay out of the
 * learning_content corpus, so the Q&A retrieval never quotes a quiz (or its answer key) as a source,
 * and nothing has to be re-embedded when the embedder changes. A light name match is added to the
 * cosine so "python fundamentals" finds that course's quiz, not the Python skill's.
 */
export class QuizService {
  private readonly retriever: HybridRetriever;
  private readonly logger: Logger;
  private readonly vectors = new Map<string, number[]>();

  constructor(private readonly deps: QuizServiceDeps) {
    this.retriever = deps.retriever ?? new HybridRetriever(deps.provider);
    this.logger = deps.logger ?? silentLogger;
  }

  async startQuiz(userId: string, topic?: string, opts: { assessmentId?: string } = {}): Promise<StartQuizResult> {
    const { assessments, state } = await inUserScope(this.deps.ds, userId, async (m) => ({
      assessments: (await m.query(`${ASSESSMENT_SELECT} ORDER BY a.title, a.id`) as AssessmentRow[]).filter((a) => validQuestions(a.questions).length > 0),
      state: await loadUserState(m, userId),
    }));

    let chosen: AssessmentRow | undefined;
    let matchedBy: 'topic' | 'id' | 'progress' = 'progress';
    let note: string | null = null;
    if (opts.assessmentId) {
      chosen = assessments.find((a) => a.id === opts.assessmentId);
      if (!chosen) return { kind: 'unknown_assessment', message: "That quiz doesn't exist any more. Say “quiz” (or “quiz <topic>”) for another one." };
      matchedBy = 'id';
    }
    if (!assessments.length) return { kind: 'no_quizzes', message: 'There are no quizzes yet. An admin can load the sample quizzes with `npm run db:seed`.' };

    const cleanTopic = topic ? cleanQuizTopic(topic) : '';
    if (!chosen && cleanTopic) {
      chosen = await this.byTopic(cleanTopic, assessments);
      if (chosen) matchedBy = 'topic';
      else note = `I have no quiz on “${cleanTopic}”`;
    }
    chosen ??= byProgress(assessments, state);
    if (note) note += `, so here is one on ${linkedTitle(chosen) ?? chosen.title} instead.`;

    return inUserScope(this.deps.ds, userId, async (m) => {
      // A double click or a retried delivery gets the open attempt back, with its original deadline.
      const [open] = await m.query(
        `SELECT id, started_at, expires_at FROM assessment_attempts
          WHERE user_id = $1 AND assessment_id = $2 AND submitted_at IS NULL AND (expires_at IS NULL OR expires_at > now())
          ORDER BY started_at DESC LIMIT 1`, [userId, chosen!.id]);
      const attempt = open ?? (await m.query(
        `INSERT INTO assessment_attempts (user_id, assessment_id) VALUES ($1, $2) RETURNING id, started_at, expires_at`, [userId, chosen!.id]))[0];
      return {
        kind: 'started',
        attemptId: attempt.id,
        quiz: quizInfo(chosen!),
        questions: validQuestions(chosen!.questions).map(({ id, text, choices }) => ({ id, text, choices: choices.map((c) => ({ id: c.id, text: c.text })) })),
        startedAt: attempt.started_at,
        expiresAt: attempt.expires_at,
        matchedBy,
        resumed: Boolean(open),
        note,
      };
    });
  }

  async submitQuiz(userId: string, attemptId: string, answers: Record<string, string>, now?: Date): Promise<SubmitQuizResult> {
    const grace = (this.deps.graceSeconds ?? 30) * 1000;
    const outcome = await inUserScope(this.deps.ds, userId, async (m): Promise<SubmitQuizResult | { kind: 'fresh'; result: QuizResult; assessment: AssessmentRow; missed: QuizQuestion[] }> => {
      // Locks the attempt: two submissions at once are serialised, the second sees submitted_at.
      const [attempt] = await m.query(
        `SELECT id, assessment_id, started_at, expires_at, submitted_at, result_id FROM assessment_attempts WHERE id = $1 AND user_id = $2 FOR UPDATE`,
        [attemptId, userId]);
      if (!attempt) return { kind: 'unknown_attempt', message: "I can't find that quiz attempt: it may have been removed, or it isn't yours. Say “quiz” to start a new one." };
      const [assessment]: AssessmentRow[] = await m.query(`${ASSESSMENT_SELECT} WHERE a.id = $1`, [attempt.assessment_id]);
      const questions = assessment ? validQuestions(assessment.questions) : [];
      if (!assessment || !questions.length) return { kind: 'unknown_assessment', message: "That quiz has no questions any more, so I can't score it. Say “quiz” for another one." };

      if (attempt.submitted_at) {
        const [stored] = await m.query(`SELECT id, score, answers, late, passed, time_taken, completed_at FROM assessment_results WHERE id = $1 OR attempt_id = $2 LIMIT 1`,
          [attempt.result_id, attempt.id]);
        const result = scoreAnswers(assessment, questions, (stored?.answers ?? {}) as Record<string, string>);
        return {
          kind: 'already_submitted',
          message: 'You already submitted this quiz; only the first submission counts. Here is that result.',
          result: {
            ...result,
            resultId: stored?.id ?? '',
            attemptId: attempt.id,
            late: Boolean(stored?.late),
            passed: Boolean(stored?.passed),
            score: stored ? Number(stored.score) : result.score,
            timeTakenSeconds: stored?.time_taken ?? 0,
            submittedAt: stored?.completed_at ?? attempt.submitted_at,
            progress: [],
            recommendation: null,
            message: resultMessage(assessment, { ...result, late: Boolean(stored?.late), passed: Boolean(stored?.passed) }, [], attempt.expires_at, attempt.submitted_at),
          },
        };
      }

      const at: Date = now ?? (await m.query(`SELECT now() AS now`))[0].now;
      const cleanAnswers = sanitizeAnswers(answers, questions);
      const scored = scoreAnswers(assessment, questions, cleanAnswers);
      const late = attempt.expires_at !== null && at.getTime() > new Date(attempt.expires_at).getTime() + grace;
      const passed = !late && scored.score >= scored.passingScore;
      const timeTaken = Math.max(0, Math.round((at.getTime() - new Date(attempt.started_at).getTime()) / 1000));

      const [result] = await m.query(
        `INSERT INTO assessment_results (user_id, assessment_id, score, answers, completed_at, time_taken, attempt_id, late, passed)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9) RETURNING id`,
        [userId, assessment.id, scored.score, JSON.stringify(cleanAnswers), at, timeTaken, attempt.id, late, passed]);
      const [, claimed] = await m.query(
        `UPDATE assessment_attempts SET submitted_at = $2, result_id = $3 WHERE id = $1 AND submitted_at IS NULL`, [attempt.id, at, result.id]);
      if (claimed !== 1) throw new Error(`attempt ${attempt.id} was submitted concurrently`);

      const progress = passed ? await raiseProgress(m, userId, assessment, scored.score) : [];
      const missed = questions.filter((q) => cleanAnswers[q.id] !== q.answer);
      return {
        kind: 'fresh',
        assessment,
        missed,
        result: {
          ...scored,
          resultId: result.id,
          attemptId: attempt.id,
          late,
          passed,
          timeTakenSeconds: timeTaken,
          submittedAt: at,
          progress,
          recommendation: null,
          message: resultMessage(assessment, { ...scored, late, passed }, progress, attempt.expires_at, at),
        },
      };
    });
    if (outcome.kind !== 'fresh') return outcome;

    // After the commit: the suggestion may need an embedding call, which must not hold a connection.
    const { result, assessment, missed } = outcome;
    try {
      result.recommendation = await this.suggestNext(userId, assessment, missed);
      if (result.recommendation) result.message += ` Next: ${result.recommendation.title} (${result.recommendation.reason.charAt(0).toLowerCase()}${result.recommendation.reason.slice(1)}).`;
    } catch (err) {
      this.logger.warn({ err, userId, attemptId }, 'quiz scored, but suggesting what to study next failed');
    }
    return { kind: 'scored', result };
  }

  /** The quiz closest to the topic, or undefined when none is clearly about it. */
  private async byTopic(topic: string, assessments: AssessmentRow[]): Promise<AssessmentRow | undefined> {
    const q = normalizeName(topic);
    // Exact name of a quiz or of its skill/course: no embedding needed.
    const exact = assessments.filter((a) => [a.title, a.course_title, a.skill_name, stripQuiz(a.title)].some((n) => n && normalizeName(n) === q));
    if (exact.length) return exact.sort((a, b) => Number(Boolean(b.course_title && normalizeName(b.course_title) === q)) - Number(Boolean(a.course_title && normalizeName(a.course_title) === q)))[0];

    let sims: number[];
    try {
      const [queryVector, docVectors] = await Promise.all([this.deps.provider.embeddings.embedQuery(topic), this.quizVectors(assessments)]);
      sims = docVectors.map((v) => cosine(queryVector, v));
    } catch (err) {
      this.logger.warn({ err }, 'embedding for quiz topic matching failed; matching by words only');
      sims = assessments.map(() => 0);
    }
    const qWords = tokens(topic);
    const scored = assessments.map((a, i) => {
      const words = new Set(tokens([a.title, a.skill_name ?? '', a.course_title ?? '', String(a.metadata?.topic ?? '')].join(' ')));
      const overlap = qWords.length ? qWords.filter((w) => words.has(w)).length / qWords.length : 0;
      return { a, score: sims[i] + 0.25 * overlap };
    }).sort((x, y) => y.score - x.score);
    const [best, second] = scored;
    const minScore = this.deps.minTopicScore ?? 0.2;
    const minMargin = this.deps.minMargin ?? 0.1;
    if (best && (best.score >= minScore || best.score - (second?.score ?? 0) >= minMargin)) return best.a;
    return undefined;
  }

  private async quizVectors(assessments: AssessmentRow[]): Promise<number[][]> {
    const texts = assessments.map(quizText);
    const keys = texts.map((t) => `${this.deps.provider.id}:${createHash('sha1').update(t).digest('hex')}`);
    const missing = [...new Set(keys.filter((k) => !this.vectors.has(k)))];
    if (missing.length) {
      const missingTexts = missing.map((k) => texts[keys.indexOf(k)]);
      const vectors = await this.deps.provider.embeddings.embedDocuments(missingTexts);
      if (this.vectors.size + missing.length > CACHE_MAX) this.vectors.clear();
      missing.forEach((k, i) => this.vectors.set(k, vectors[i]));
    }
    return keys.map((k) => this.vectors.get(k)!);
  }

  /**
   * Missed questions: the learning content closest to them (reading first, else the quiz's skill or
   * course). All right: the next skill or course from generate_recommendations. Stored in
   * `recommendations` so a click is tracked like any other.
   */
  private async suggestNext(userId: string, assessment: AssessmentRow, missed: QuizQuestion[]): Promise<RecommendationCard | null> {
    let queryVector: number[] | undefined;
    const query = missed.map((q) => `${q.text} ${q.explanation}`).join('\n');
    if (missed.length) {
      try {
        queryVector = await this.retriever.embedQuery(query);
      } catch (err) {
        this.logger.warn({ err }, 'embedding missed questions failed; searching by keywords');
      }
    }
    return inUserScope(this.deps.ds, userId, async (m) => {
      let pick: Omit<RecommendationCard, 'id'> | null = null;
      if (missed.length) {
        const passages = await this.retriever.search(m, query, {
          k: 3, contentTypes: ['tutorial', 'lesson', 'reference'], queryVector, mode: queryVector ? 'hybrid' : 'text',
        });
        const top = passages[0];
        const topic = linkedTitle(assessment) ?? stripQuiz(assessment.title);
        if (top) {
          pick = { type: 'content', itemId: top.id, title: top.title.replace(/\s*\(part \d+\/\d+\)$/, ''), score: clamp01(top.similarity ?? 0.5),
            reason: `Covers what you missed in the ${topic} quiz` };
        } else if (assessment.skill_id || assessment.course_id) {
          pick = { type: assessment.skill_id ? 'skill' : 'course', itemId: (assessment.skill_id ?? assessment.course_id)!, title: topic, score: 0.5,
            reason: `Review ${topic} and try the quiz again` };
        }
      } else {
        const recs: Array<{ id: string; type: 'skill' | 'course'; title: string; score: number }> =
          await m.query(`SELECT id, type, title, score FROM generate_recommendations($1, 5)`, [userId]);
        const next = recs.find((r) => r.id !== assessment.skill_id && r.id !== assessment.course_id);
        if (next) pick = { type: next.type, itemId: next.id, title: next.title, score: clamp01(next.score), reason: `Next step after ${linkedTitle(assessment) ?? assessment.title}` };
      }
      if (!pick) return null;
      const [row] = await m.query(`INSERT INTO recommendations (user_id, type, item_id, score, reason) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [userId, pick.type, pick.itemId, pick.score, pick.reason]);
      return { id: row.id, ...pick };
    });
  }
}

/** "quiz me on Python please" → "Python" */
export function cleanQuizTopic(topic: string): string {
  const words = topic.replace(/^\/?quiz\b/i, '').replace(/[?!.]+$/, '').trim().split(/\s+/).filter(Boolean);
  while (words.length && FILLER.has(words[0].toLowerCase())) words.shift();
  while (words.length && ['please', 'quiz', 'test'].includes(words[words.length - 1].toLowerCase())) words.pop();
  return words.join(' ');
}

/** The questions of a stored assessment that are usable (text, >= 2 choices, an answer among them). */
export function validQuestions(raw: unknown): QuizQuestion[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter((q): q is QuizQuestion =>
    q && typeof q.id === 'string' && typeof q.text === 'string' && Array.isArray(q.choices) && q.choices.length >= 2
    && q.choices.every((c: unknown) => c && typeof (c as QuizQuestion['choices'][0]).id === 'string' && typeof (c as QuizQuestion['choices'][0]).text === 'string')
    && q.choices.some((c: { id: string }) => c.id === q.answer));
}

function sanitizeAnswers(answers: Record<string, string>, questions: QuizQuestion[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!answers || typeof answers !== 'object') return out;
  for (const q of questions) {
    const v = (answers as Record<string, unknown>)[q.id];
    if (typeof v === 'string' && q.choices.some((c) => c.id === v)) out[q.id] = v;
  }
  return out;
}

function scoreAnswers(assessment: AssessmentRow, questions: QuizQuestion[], answers: Record<string, string>) {
  const outcomes: QuestionOutcome[] = questions.map((q) => {
    const chosen = q.choices.find((c) => c.id === answers[q.id]) ?? null;
    const correct = chosen?.id === q.answer;
    const right = q.choices.find((c) => c.id === q.answer)!;
    return {
      id: q.id,
      text: q.text,
      chosen: chosen ? { id: chosen.id, text: chosen.text } : null,
      correct,
      ...(correct ? {} : { rightAnswer: { id: right.id, text: right.text }, explanation: q.explanation }),
    };
  });
  const correctCount = outcomes.filter((o) => o.correct).length;
  return {
    assessmentId: assessment.id,
    title: assessment.title,
    score: Math.round((1000 * correctCount) / questions.length) / 10,
    correctCount,
    questionCount: questions.length,
    passingScore: assessment.passing_score ?? DEFAULT_PASSING,
    questions: outcomes,
  };
}

/**
 * A pass raises the linked skill's and course's progress to at least the score (never lowers it;
 * 100% completes it, exactly like "progress … done"). Items deleted since are skipped.
 */
async function raiseProgress(m: EntityManager, userId: string, a: AssessmentRow, score: number): Promise<ProgressChange[]> {
  const changes: ProgressChange[] = [];
  const targets: Array<[ItemType, string | null, string | null]> = [['skill', a.skill_id, a.skill_name], ['course', a.course_id, a.course_title]];
  for (const [type, id, title] of targets) {
    if (!id) continue;
    const column = type === 'skill' ? 'skill_id' : 'course_id';
    const [before] = await m.query(`SELECT progress FROM learning_progress WHERE user_id = $1 AND ${column} = $2 FOR UPDATE`, [userId, id]);
    const target = Math.min(100, score);
    if (before && Number(before.progress) >= target) continue;
    const [row] = await m.query(
      `INSERT INTO learning_progress (user_id, ${column}, progress) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, ${column}) DO UPDATE SET progress = GREATEST(learning_progress.progress, EXCLUDED.progress)
       RETURNING progress, completed_at`, [userId, id, target]);
    changes.push({ itemType: type, itemId: id, title: title!, before: before ? Number(before.progress) : null, after: Number(row.progress), completed: row.completed_at !== null });
  }
  return changes;
}

function resultMessage(a: AssessmentRow, r: { score: number; correctCount: number; questionCount: number; passingScore: number; late: boolean; passed: boolean },
  progress: ProgressChange[], expiresAt: Date | null, submittedAt: Date): string {
  const head = `You scored ${formatPercent(r.score)}% (${r.correctCount}/${r.questionCount}) on the ${a.title}.`;
  if (r.late) {
    const over = expiresAt ? Math.max(1, Math.round((new Date(submittedAt).getTime() - new Date(expiresAt).getTime()) / 60000)) : 0;
    return `${head} Time was up${over ? ` about ${over} minute${over === 1 ? '' : 's'} before you submitted` : ''}, so this attempt is recorded as late and doesn't count as a pass.`;
  }
  if (!r.passed) return `${head} You need ${formatPercent(r.passingScore)}% to pass: have a look at the explanations and try again.`;
  const raised = progress.map((p) => (p.completed ? `${p.title} is now completed` : `your ${p.title} progress is now ${formatPercent(p.after)}%`));
  return `${head} Passed!${raised.length ? ` ${raised.join('; ').replace(/^./, (c) => c.toUpperCase())}.` : ''}`;
}

function quizInfo(a: AssessmentRow): QuizInfo {
  return {
    assessmentId: a.id,
    title: a.title,
    description: a.description,
    difficulty: a.difficulty,
    timeLimitMinutes: a.time_limit && a.time_limit > 0 ? a.time_limit : null,
    passingScore: a.passing_score ?? DEFAULT_PASSING,
    questionCount: validQuestions(a.questions).length,
    linkedItem: a.skill_id ? { type: 'skill', id: a.skill_id, title: a.skill_name! } : a.course_id ? { type: 'course', id: a.course_id, title: a.course_title! } : null,
  };
}

async function loadUserState(m: EntityManager, userId: string): Promise<UserQuizState> {
  const progress: Array<{ item: string; progress: number }> = await m.query(
    `SELECT coalesce(skill_id, course_id) AS item, progress FROM learning_progress WHERE user_id = $1 AND coalesce(skill_id, course_id) IS NOT NULL`, [userId]);
  const results: Array<{ assessment_id: string; passed: boolean | null; last: Date }> = await m.query(
    `SELECT assessment_id, bool_or(coalesce(passed, false)) AS passed, max(completed_at) AS last FROM assessment_results WHERE user_id = $1 GROUP BY assessment_id`, [userId]);
  return {
    progress: new Map(progress.map((p) => [p.item, Number(p.progress)])),
    passed: new Set(results.filter((r) => r.passed).map((r) => r.assessment_id)),
    lastAttempt: new Map(results.map((r) => [r.assessment_id, new Date(r.last).getTime()])),
  };
}

/**
 * No topic (or no quiz on it): the quiz of the person's least advanced skill they have not passed a
 * quiz on. Started skills first (lowest progress), then not-started skills (lowest level first),
 * then course quizzes the same way; completed items and passed quizzes last; least recently taken breaks ties.
 */
function byProgress(assessments: AssessmentRow[], s: UserQuizState): AssessmentRow {
  const rank = (a: AssessmentRow): number[] => {
    const item = a.skill_id ?? a.course_id;
    const progress = item ? s.progress.get(item) : undefined;
    const done = s.passed.has(a.id) || progress === 100;
    const level = a.skill_id ? (a.skill_level ?? 1) : ({ beginner: 1, intermediate: 2, advanced: 3 } as Record<string, number>)[a.course_difficulty ?? a.difficulty ?? ''] ?? 2;
    return [
      done ? 1 : 0,
      a.skill_id ? 0 : a.course_id ? 1 : 2,
      progress !== undefined && progress > 0 ? 0 : 1,
      progress ?? 0,
      level,
      s.lastAttempt.get(a.id) ?? 0,
    ];
  };
  return [...assessments].sort((x, y) => {
    const a = rank(x);
    const b = rank(y);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return x.title.localeCompare(y.title);
  })[0];
}

function quizText(a: AssessmentRow): string {
  return [a.title, a.skill_name, a.course_title, a.metadata?.topic, a.description, ...validQuestions(a.questions).map((q) => q.text)]
    .filter((x) => typeof x === 'string' && x).join('\n');
}

const linkedTitle = (a: AssessmentRow): string | null => a.skill_name ?? a.course_title ?? null;
const stripQuiz = (title: string) => title.replace(/\s+(course\s+)?quiz$/i, '');
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
