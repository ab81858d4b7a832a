import type { DataSource, EntityManager } from 'typeorm';
import type { EmbeddingProvider } from '../../ai/embedding-provider';
import { HybridRetriever } from '../../ai/hybrid-retriever';
import { findProgressByItem, lockProgressPercent, raiseProgressPercent } from '../../db/repositories/progress-repository';
import {
  type AssessmentRow,
  createAttempt,
  findAssessment,
  findAssessments,
  findAttemptResult,
  findOpenAttempt,
  findResultSummaries,
  insertResult,
  lockAttempt,
  markAttemptSubmitted,
  transactionNow,
} from '../../db/repositories/quiz-repository';
import type { QuizQuestion } from '../../db/seed-assessments';
import { inUserScope } from '../../db/user-scope';
import { type Logger, silentLogger } from '../../observability/logger';
import type { ItemType } from './progress-service';
import { linkedTitle, publicQuestions, quizInfo, validQuestions } from './quiz-questions';
import { resultMessage, sanitizeAnswers, scoreAnswers } from './quiz-scoring';
import { byProgress, cleanQuizTopic, type UserQuizState } from './quiz-selection';
import { QuizSuggester } from './quiz-suggestion';
import { QuizTopicMatcher } from './quiz-topic-matcher';
import type { ProgressChange, QuizResult, StartQuizResult, SubmitQuizResult } from './quiz-types';

export { validQuestions } from './quiz-questions';
export { cleanQuizTopic } from './quiz-selection';
export type * from './quiz-types';

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

/**
 * Quizzes: pick one (by topic, by id, or from the person's progress), start a timed attempt, score a
 * submission once, raise progress on a pass and suggest what to study next. All reads and writes run
 * in the person's user scope. Topic matching is QuizTopicMatcher's, scoring quiz-scoring's, the
 * suggestion QuizSuggester's; this class holds the flow and the transactions.
 */
export class QuizService {
  private readonly logger: Logger;
  private readonly topics: QuizTopicMatcher;
  private readonly suggester: QuizSuggester;

  constructor(private readonly deps: QuizServiceDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.topics = new QuizTopicMatcher({
      provider: deps.provider,
      logger: this.logger,
      minTopicScore: deps.minTopicScore,
      minMargin: deps.minMargin,
    });
    this.suggester = new QuizSuggester({
      ds: deps.ds,
      retriever: deps.retriever ?? new HybridRetriever(deps.provider),
      logger: this.logger,
    });
  }

  async startQuiz(userId: string, topic?: string, opts: { assessmentId?: string } = {}): Promise<StartQuizResult> {
    const { assessments, state } = await inUserScope(this.deps.ds, userId, async (m) => ({
      assessments: (await findAssessments(m)).filter((a) => validQuestions(a.questions).length > 0),
      state: await loadUserState(m, userId),
    }));

    let chosen: AssessmentRow | undefined;
    let matchedBy: 'topic' | 'id' | 'progress' = 'progress';
    let note: string | null = null;
    if (opts.assessmentId) {
      chosen = assessments.find((a) => a.id === opts.assessmentId);
      if (!chosen)
        return { kind: 'unknown_assessment', message: "That quiz doesn't exist any more. Say “quiz” (or “quiz <topic>”) for another one." };
      matchedBy = 'id';
    }
    if (!assessments.length)
      return { kind: 'no_quizzes', message: 'There are no quizzes yet. An admin can load the sample quizzes with `npm run db:seed`.' };

    const cleanTopic = topic ? cleanQuizTopic(topic) : '';
    if (!chosen && cleanTopic) {
      // Outside any transaction: matching may call the embedder.
      chosen = await this.topics.match(cleanTopic, assessments);
      if (chosen) matchedBy = 'topic';
      else note = `I have no quiz on “${cleanTopic}”`;
    }
    const quiz = chosen ?? byProgress(assessments, state);
    if (note) note += `, so here is one on ${linkedTitle(quiz) ?? quiz.title} instead.`;

    return inUserScope(this.deps.ds, userId, async (m) => {
      // A double click or a retried delivery gets the open attempt back, with its original deadline.
      const open = await findOpenAttempt(m, userId, quiz.id);
      const attempt = open ?? (await createAttempt(m, userId, quiz.id));
      return {
        kind: 'started',
        attemptId: attempt.id,
        quiz: quizInfo(quiz),
        questions: publicQuestions(quiz),
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
    const outcome = await inUserScope(
      this.deps.ds,
      userId,
      async (m): Promise<SubmitQuizResult | { kind: 'fresh'; result: QuizResult; assessment: AssessmentRow; missed: QuizQuestion[] }> => {
        // Locks the attempt: two submissions at once are serialised, the second sees submitted_at.
        const attempt = await lockAttempt(m, userId, attemptId);
        if (!attempt)
          return {
            kind: 'unknown_attempt',
            message: "I can't find that quiz attempt: it may have been removed, or it isn't yours. Say “quiz” to start a new one.",
          };
        const assessment = await findAssessment(m, attempt.assessment_id);
        const questions = assessment ? validQuestions(assessment.questions) : [];
        if (!assessment || !questions.length)
          return {
            kind: 'unknown_assessment',
            message: "That quiz has no questions any more, so I can't score it. Say “quiz” for another one.",
          };

        if (attempt.submitted_at) {
          const stored = await findAttemptResult(m, attempt.result_id, attempt.id);
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
              message: resultMessage(
                assessment,
                { ...result, late: Boolean(stored?.late), passed: Boolean(stored?.passed) },
                [],
                attempt.expires_at,
                attempt.submitted_at,
              ),
            },
          };
        }

        const at: Date = now ?? (await transactionNow(m));
        const cleanAnswers = sanitizeAnswers(answers, questions);
        const scored = scoreAnswers(assessment, questions, cleanAnswers);
        const late = attempt.expires_at !== null && at.getTime() > new Date(attempt.expires_at).getTime() + grace;
        const passed = !late && scored.score >= scored.passingScore;
        const timeTaken = Math.max(0, Math.round((at.getTime() - new Date(attempt.started_at).getTime()) / 1000));

        const resultId = await insertResult(m, {
          userId,
          assessmentId: assessment.id,
          attemptId: attempt.id,
          score: scored.score,
          answers: cleanAnswers,
          completedAt: at,
          timeTakenSeconds: timeTaken,
          late,
          passed,
        });
        if (!(await markAttemptSubmitted(m, attempt.id, at, resultId))) throw new Error(`attempt ${attempt.id} was submitted concurrently`);

        const progress = passed ? await raiseProgress(m, userId, assessment, scored.score) : [];
        const missed = questions.filter((q) => cleanAnswers[q.id] !== q.answer);
        return {
          kind: 'fresh',
          assessment,
          missed,
          result: {
            ...scored,
            resultId,
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
      },
    );
    if (outcome.kind !== 'fresh') return outcome;

    // After the commit: the suggestion may need an embedding call, which must not hold a connection.
    const { result, assessment, missed } = outcome;
    try {
      result.recommendation = await this.suggester.suggestNext(userId, assessment, missed);
      if (result.recommendation)
        result.message += ` Next: ${result.recommendation.title} (${result.recommendation.reason.charAt(0).toLowerCase()}${result.recommendation.reason.slice(1)}).`;
    } catch (err) {
      this.logger.warn({ err, userId, attemptId }, 'quiz scored, but suggesting what to study next failed');
    }
    return { kind: 'scored', result };
  }
}

/**
 * A pass raises the linked skill's and course's progress to at least the score (never lowers it;
 * 100% completes it, exactly like "progress … done"). Items deleted since are skipped.
 */
async function raiseProgress(m: EntityManager, userId: string, a: AssessmentRow, score: number): Promise<ProgressChange[]> {
  const changes: ProgressChange[] = [];
  const targets: Array<[ItemType, string | null, string | null]> = [
    ['skill', a.skill_id, a.skill_name],
    ['course', a.course_id, a.course_title],
  ];
  for (const [type, id, title] of targets) {
    if (!id) continue;
    const before = await lockProgressPercent(m, userId, type, id);
    const target = Math.min(100, score);
    if (before !== null && before >= target) continue;
    const row = await raiseProgressPercent(m, userId, type, id, target);
    changes.push({ itemType: type, itemId: id, title: title!, before, after: Number(row.progress), completed: row.completed_at !== null });
  }
  return changes;
}

async function loadUserState(m: EntityManager, userId: string): Promise<UserQuizState> {
  const progress = await findProgressByItem(m, userId);
  const results = await findResultSummaries(m, userId);
  return {
    progress: new Map(progress.map((p) => [p.item, Number(p.progress)])),
    passed: new Set(results.filter((r) => r.passed).map((r) => r.assessment_id)),
    lastAttempt: new Map(results.map((r) => [r.assessment_id, new Date(r.last).getTime()])),
  };
}
