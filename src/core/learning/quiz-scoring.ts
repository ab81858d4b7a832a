import type { AssessmentRow } from '../../db/repositories/quiz-repository';
import type { QuizQuestion } from '../../db/seed-assessments';
import { formatPercent } from './progress-service';
import { DEFAULT_PASSING } from './quiz-questions';
import type { ProgressChange, QuestionOutcome, ScoredAnswers } from './quiz-types';

/** Scoring a submission: pure functions of the assessment and the answers. */

/** Only answers to the quiz's questions that name one of their choices are kept. */
export function sanitizeAnswers(answers: Record<string, string>, questions: QuizQuestion[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!answers || typeof answers !== 'object') return out;
  for (const q of questions) {
    const v = (answers as Record<string, unknown>)[q.id];
    if (typeof v === 'string' && q.choices.some((c) => c.id === v)) out[q.id] = v;
  }
  return out;
}

export function scoreAnswers(assessment: AssessmentRow, questions: QuizQuestion[], answers: Record<string, string>): ScoredAnswers {
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

export function resultMessage(
  a: AssessmentRow,
  r: { score: number; correctCount: number; questionCount: number; passingScore: number; late: boolean; passed: boolean },
  progress: ProgressChange[],
  expiresAt: Date | null,
  submittedAt: Date,
): string {
  const head = `You scored ${formatPercent(r.score)}% (${r.correctCount}/${r.questionCount}) on the ${a.title}.`;
  if (r.late) {
    const over = expiresAt ? Math.max(1, Math.round((new Date(submittedAt).getTime() - new Date(expiresAt).getTime()) / 60000)) : 0;
    return `${head} Time was up${over ? ` about ${over} minute${over === 1 ? '' : 's'} before you submitted` : ''}, so this attempt is recorded as late and doesn't count as a pass.`;
  }
  if (!r.passed) return `${head} You need ${formatPercent(r.passingScore)}% to pass: have a look at the explanations and try again.`;
  const raised = progress.map((p) =>
    p.completed ? `${p.title} is now completed` : `your ${p.title} progress is now ${formatPercent(p.after)}%`,
  );
  return `${head} Passed!${raised.length ? ` ${raised.join('; ').replace(/^./, (c) => c.toUpperCase())}.` : ''}`;
}
