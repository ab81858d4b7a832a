import type { App, BlockAction, ButtonAction, FeedbackButtonsAction } from '@slack/bolt';
import { ACTION_ANSWER_FEEDBACK, ACTION_FEEDBACK_DOWN, ACTION_FEEDBACK_UP, ACTION_REC_OPEN } from '../../blocks/answer-blocks';
import { ACTION_QUIZ_SUBMIT, PROGRESS_SET_PATTERN } from '../../blocks/learning-blocks';
import type { SlackDeps } from '../../slack-deps';
import { afterAck } from '../after-ack';
import { handleFeedback, handleFeedbackButtons } from './feedback';
import { handleProgressSet, handleQuizSubmit } from './learning-actions';
import { handleRecOpen } from './rec-open';

/**
 * Any other action id (an old message's button, a link button, a quiz's radio buttons — read from
 * state.values on submit): acknowledged so Slack shows no error.
 */
const OTHER_ACTIONS = new RegExp(
  `^(?!(?:${[ACTION_REC_OPEN, ACTION_FEEDBACK_UP, ACTION_FEEDBACK_DOWN, ACTION_ANSWER_FEEDBACK, ACTION_QUIZ_SUBMIT, PROGRESS_SET_PATTERN.source.replace(/^\^|\$$/g, '')].join('|')})$)`,
);

const register = (app: App, deps: SlackDeps): void => {
  app.action<BlockAction<ButtonAction>>(
    ACTION_REC_OPEN,
    afterAck(deps.logger, 'handleRecOpen', (args) => handleRecOpen(deps, args)),
  );
  app.action<BlockAction<ButtonAction>>(
    ACTION_FEEDBACK_UP,
    afterAck(deps.logger, 'handleFeedback', (args) => handleFeedback(deps, args)),
  );
  app.action<BlockAction<ButtonAction>>(
    ACTION_FEEDBACK_DOWN,
    afterAck(deps.logger, 'handleFeedback', (args) => handleFeedback(deps, args)),
  );
  app.action<BlockAction<FeedbackButtonsAction>>(
    ACTION_ANSWER_FEEDBACK,
    afterAck(deps.logger, 'handleFeedbackButtons', (args) => handleFeedbackButtons(deps, args)),
  );
  app.action<BlockAction<ButtonAction>>(
    PROGRESS_SET_PATTERN,
    afterAck(deps.logger, 'handleProgressSet', (args) => handleProgressSet(deps, args)),
  );
  app.action<BlockAction<ButtonAction>>(
    ACTION_QUIZ_SUBMIT,
    afterAck(deps.logger, 'handleQuizSubmit', (args) => handleQuizSubmit(deps, args)),
  );
  app.action(OTHER_ACTIONS, async ({ ack, body }) => {
    await ack();
    deps.logger.debug({ component: 'slack', type: body.type }, 'action without a handler acknowledged');
  });
};

export default { register };
