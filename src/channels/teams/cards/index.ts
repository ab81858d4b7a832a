export * from './actions';
export * from './adaptive';
export {
  type AnswerCardOptions,
  buildAnswerCard,
  confidenceLevel,
  feedbackActions,
  MAX_RECOMMENDATIONS,
  MAX_SOURCES,
  recommendationContainer,
  SHORTENED_NOTE,
} from './answer-card';
export * from './attachments';
export { buildDashboardCard, buildRecommendationsCard, DASHBOARD_PROGRESS_ITEMS } from './dashboard-card';
export { ago, cardTime, pct, progressBar } from './format';
export { buildProgressCard, buildProgressChoicesCard, PROGRESS_HINT, type ProgressCardOptions } from './progress-card';
export { buildQuizCard, buildQuizResultCard, type QuizResultCardOptions, type StartedQuiz } from './quiz-card';
export { type BuiltReportCard, buildReportCard, type ReportCardOptions } from './report-card';
export { buildWelcomeCard, exampleQuestions, type WelcomeCardOptions } from './welcome-card';
