import type { RecommendationCard } from '../messages';
import type { ItemType } from './progress-service';

/** What QuizService returns: platform-neutral, the channels render it. */

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

/** What scoring a submission gives (quiz-scoring.ts), before it is stored. */
export interface ScoredAnswers {
  assessmentId: string;
  title: string;
  /** percent correct, one decimal */
  score: number;
  correctCount: number;
  questionCount: number;
  passingScore: number;
  questions: QuestionOutcome[];
}

export interface QuizResult extends ScoredAnswers {
  resultId: string;
  attemptId: string;
  /** score >= passingScore and on time */
  passed: boolean;
  /** submitted after the time limit (+ grace): recorded, never a pass */
  late: boolean;
  timeTakenSeconds: number;
  submittedAt: Date;
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
