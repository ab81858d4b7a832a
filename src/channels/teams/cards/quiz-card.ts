import type { QuizResult, StartQuizResult } from '../../../core/learning';
import { QUIZ_INPUT_PREFIX, quizStartData, quizSubmitData } from './actions';
import { type AdaptiveCard, type CardElement, card, type Fact, type SubmitAction, text, truncate } from './adaptive';
import { recommendationContainer } from './answer-card';
import { cardTime, pct } from './format';

export type StartedQuiz = Extract<StartQuizResult, { kind: 'started' }>;

const MAX_QUESTION = 600;
const MAX_CHOICE = 300;
const MAX_EXPLANATION = 600;

/**
 * The quiz: one Input.ChoiceSet (style expanded: radio buttons) per question, whose id is
 * QUIZ_INPUT_PREFIX + the question id, and a Submit button posting `quiz_submit` with the attempt id.
 * Action.Submit sends the card's input values with the button's data. No answer key is in the card
 * (the core never hands one out). Pure.
 */
export function buildQuizCard(quiz: StartedQuiz): AdaptiveCard {
  const q = quiz.quiz;
  const body: CardElement[] = [];
  if (quiz.note) body.push(text(quiz.note, { color: 'warning' }));
  body.push(text(q.title, { size: 'large', weight: 'bolder', spacing: quiz.note ? 'medium' : 'default' }));
  if (q.description) body.push(text(q.description, { isSubtle: true, spacing: 'none' }));
  const facts: Fact[] = [
    { title: 'Questions', value: String(quiz.questions.length) },
    { title: 'To pass', value: pct(q.passingScore) },
  ];
  if (quiz.expiresAt)
    facts.push({ title: 'Time limit', value: `${q.timeLimitMinutes ?? '?'} minutes: submit by ${cardTime(quiz.expiresAt)}` });
  if (q.linkedItem) facts.push({ title: q.linkedItem.type === 'skill' ? 'Skill' : 'Course', value: q.linkedItem.title });
  body.push({ type: 'FactSet', facts, spacing: 'small' });
  if (quiz.resumed)
    body.push(text('You had already started this quiz: here it is again, with the same deadline.', { isSubtle: true, size: 'small' }));

  quiz.questions.forEach((question, i) => {
    body.push(text(`**${i + 1}.** ${truncate(question.text, MAX_QUESTION)}`, { separator: true, spacing: 'medium' }));
    body.push({
      type: 'Input.ChoiceSet',
      id: `${QUIZ_INPUT_PREFIX}${question.id}`,
      style: 'expanded',
      isMultiSelect: false,
      wrap: true,
      spacing: 'small',
      choices: question.choices.map((c) => ({ title: truncate(c.text, MAX_CHOICE), value: c.id })),
    });
  });
  return card(body, [{ type: 'Action.Submit', title: 'Submit answers', style: 'positive', data: quizSubmitData(quiz.attemptId) }]);
}

export interface QuizResultCardOptions {
  /** e.g. "You already submitted this quiz; only the first submission counts." */
  note?: string;
}

/**
 * The result: score, passed / not passed / late, the core's sentence, every wrong question with what
 * was chosen, the right answer and why, progress raised, and the study suggestion with a Start/Read
 * button (rec_open). A "Try again" button when it was not a pass. Pure.
 */
export function buildQuizResultCard(result: QuizResult, opts: QuizResultCardOptions = {}): AdaptiveCard {
  const body: CardElement[] = [];
  if (opts.note) body.push(text(opts.note, { color: 'warning' }));
  body.push(text(`Quiz result: ${result.title}`, { size: 'large', weight: 'bolder', spacing: opts.note ? 'medium' : 'default' }));
  const status = result.late
    ? 'Late: recorded, but not a pass'
    : result.passed
      ? 'Passed ✅'
      : `Not passed (${pct(result.passingScore)} needed)`;
  body.push(
    text(`**${pct(result.score)}** · ${result.correctCount} of ${result.questionCount} right · ${status}`, {
      size: 'medium',
      color: result.late ? 'warning' : result.passed ? 'good' : 'attention',
      spacing: 'small',
    }),
  );
  if (result.message) body.push(text(result.message, { spacing: 'small' }));

  const wrong = result.questions.filter((q) => !q.correct);
  if (wrong.length) {
    body.push(text('What you missed', { weight: 'bolder', separator: true, spacing: 'medium' }));
    for (const q of wrong) {
      body.push({
        type: 'Container',
        style: 'emphasis',
        spacing: 'small',
        items: [
          text(`**${truncate(q.text, MAX_QUESTION)}**`),
          text(`Your answer: ${q.chosen ? truncate(q.chosen.text, MAX_CHOICE) : '(none)'}`, {
            color: 'attention',
            size: 'small',
            spacing: 'small',
          }),
          text(`Right answer: ${q.rightAnswer ? truncate(q.rightAnswer.text, MAX_CHOICE) : '?'}`, {
            color: 'good',
            size: 'small',
            spacing: 'none',
          }),
          ...(q.explanation ? [text(truncate(q.explanation, MAX_EXPLANATION), { isSubtle: true, size: 'small', spacing: 'small' })] : []),
        ],
      });
    }
  }
  if (result.progress.length) {
    body.push({
      type: 'FactSet',
      spacing: 'medium',
      facts: result.progress.map((p) => ({ title: p.title, value: p.completed ? 'completed ✅' : `now ${pct(p.after)}` })),
    });
  }
  if (result.recommendation) {
    body.push(text('Study next', { weight: 'bolder', separator: true, spacing: 'medium' }));
    body.push(recommendationContainer(result.recommendation));
  }
  const actions: SubmitAction[] = result.passed
    ? []
    : [{ type: 'Action.Submit', title: 'Try again', data: quizStartData(result.assessmentId) }];
  return card(body, actions);
}
