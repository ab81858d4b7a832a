export * from './adaptive';
export * from './actions';
export { buildAnswerCard, confidenceLevel, feedbackActions, recommendationContainer, SHORTENED_NOTE, MAX_RECOMMENDATIONS, MAX_SOURCES, type AnswerCardOptions } from './answer-card';
export { buildWelcomeCard, exampleQuestions, type WelcomeCardOptions } from './welcome-card';
