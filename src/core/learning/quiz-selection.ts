import type { AssessmentRow } from '../../db/repositories/quiz-repository';

/** Choosing a quiz without embeddings: the topic typed, cleaned; else the person's progress. */

const FILLER = new Set([
  'quiz',
  'quizzes',
  'test',
  'me',
  'on',
  'about',
  'a',
  'an',
  'the',
  'for',
  'in',
  'of',
  'please',
  'some',
  'give',
  'start',
  'take',
  'new',
  'course',
  'skill',
]);

/** "quiz me on Python please" → "Python" */
export function cleanQuizTopic(topic: string): string {
  const words = topic
    .replace(/^\/?quiz\b/i, '')
    .replace(/[?!.]+$/, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  while (words.length && FILLER.has(words[0].toLowerCase())) words.shift();
  while (words.length && ['please', 'quiz', 'test'].includes(words[words.length - 1].toLowerCase())) words.pop();
  return words.join(' ');
}

/** What the person has done so far, as far as choosing their next quiz goes. */
export interface UserQuizState {
  /** percent per skill or course id */
  progress: Map<string, number>;
  /** assessment ids passed at least once */
  passed: Set<string>;
  /** assessment id → when last taken (ms) */
  lastAttempt: Map<string, number>;
}

/**
 * No topic (or no quiz on it): the quiz of the person's least advanced skill they have not passed a
 * quiz on. Started skills first (lowest progress), then not-started skills (lowest level first),
 * then course quizzes the same way; completed items and passed quizzes last; least recently taken breaks ties.
 */
export function byProgress(assessments: AssessmentRow[], s: UserQuizState): AssessmentRow {
  const rank = (a: AssessmentRow): number[] => {
    const item = a.skill_id ?? a.course_id;
    const progress = item ? s.progress.get(item) : undefined;
    const done = s.passed.has(a.id) || progress === 100;
    const level = a.skill_id
      ? (a.skill_level ?? 1)
      : (({ beginner: 1, intermediate: 2, advanced: 3 } as Record<string, number>)[a.course_difficulty ?? a.difficulty ?? ''] ?? 2);
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
