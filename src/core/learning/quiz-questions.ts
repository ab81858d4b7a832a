import type { AssessmentRow } from '../../db/repositories/quiz-repository';
import type { QuizQuestion } from '../../db/seed-assessments';
import type { PublicQuestion, QuizInfo } from './quiz-types';

/** Reading a stored assessment: its usable questions, what the person is shown of it, how it is named. */

export const DEFAULT_PASSING = 70;

/** The questions of a stored assessment that are usable (text, >= 2 choices, an answer among them). */
export function validQuestions(raw: unknown): QuizQuestion[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (q): q is QuizQuestion =>
      q &&
      typeof q.id === 'string' &&
      typeof q.text === 'string' &&
      Array.isArray(q.choices) &&
      q.choices.length >= 2 &&
      q.choices.every(
        (c: unknown) =>
          c && typeof (c as QuizQuestion['choices'][0]).id === 'string' && typeof (c as QuizQuestion['choices'][0]).text === 'string',
      ) &&
      q.choices.some((c: { id: string }) => c.id === q.answer),
  );
}

/** The questions without the answer key or explanations. */
export function publicQuestions(a: AssessmentRow): PublicQuestion[] {
  return validQuestions(a.questions).map(({ id, text, choices }) => ({
    id,
    text,
    choices: choices.map((c) => ({ id: c.id, text: c.text })),
  }));
}

export function quizInfo(a: AssessmentRow): QuizInfo {
  return {
    assessmentId: a.id,
    title: a.title,
    description: a.description,
    difficulty: a.difficulty,
    timeLimitMinutes: a.time_limit && a.time_limit > 0 ? a.time_limit : null,
    passingScore: a.passing_score ?? DEFAULT_PASSING,
    questionCount: validQuestions(a.questions).length,
    linkedItem: a.skill_id
      ? { type: 'skill', id: a.skill_id, title: a.skill_name! }
      : a.course_id
        ? { type: 'course', id: a.course_id, title: a.course_title! }
        : null,
  };
}

/** The name of the skill or course the quiz belongs to, if any. */
export const linkedTitle = (a: AssessmentRow): string | null => a.skill_name ?? a.course_title ?? null;

/** "Python Fundamentals Course Quiz" → "Python Fundamentals" */
export const stripQuiz = (title: string) => title.replace(/\s+(course\s+)?quiz$/i, '');
