import { Assessment } from './assessment.entity';
import { AssessmentAttempt } from './assessment-attempt.entity';
import { AssessmentResult } from './assessment-result.entity';
import { ChatMessage } from './chat-message.entity';
import { Course } from './course.entity';
import { LearningContent } from './learning-content.entity';
import { LearningContentLexeme } from './learning-content-lexeme.entity';
import { LearningContentStats } from './learning-content-stats.entity';
import { LearningContentTerm } from './learning-content-term.entity';
import { LearningProgress } from './learning-progress.entity';
import { ProcessedEvent } from './processed-event.entity';
import { Recommendation } from './recommendation.entity';
import { Skill } from './skill.entity';
import { User } from './user.entity';
import { UserIdentity } from './user-identity.entity';

export { vectorTransformer } from './vector-transformer';
export {
  Assessment,
  AssessmentAttempt,
  AssessmentResult,
  ChatMessage,
  Course,
  LearningContent,
  LearningContentLexeme,
  LearningContentStats,
  LearningContentTerm,
  LearningProgress,
  ProcessedEvent,
  Recommendation,
  Skill,
  User,
  UserIdentity,
};

/** Every table the migrations create in the public schema, one entity each (test/db/entities.test.ts checks it). */
export const ENTITIES = [
  User,
  UserIdentity,
  LearningContent,
  LearningContentTerm,
  LearningContentLexeme,
  LearningContentStats,
  Skill,
  Course,
  LearningProgress,
  ChatMessage,
  Recommendation,
  Assessment,
  AssessmentAttempt,
  AssessmentResult,
  ProcessedEvent,
];
