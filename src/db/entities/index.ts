import { Assessment } from './assessment.entity';
import { AssessmentResult } from './assessment-result.entity';
import { ChatMessage } from './chat-message.entity';
import { Course } from './course.entity';
import { LearningContent } from './learning-content.entity';
import { LearningProgress } from './learning-progress.entity';
import { Recommendation } from './recommendation.entity';
import { Skill } from './skill.entity';
import { User } from './user.entity';
import { UserIdentity } from './user-identity.entity';

export { Assessment, AssessmentResult, ChatMessage, Course, LearningContent, LearningProgress, Recommendation, Skill, User, UserIdentity };
export const ENTITIES = [User, UserIdentity, LearningContent, Skill, Course, LearningProgress, ChatMessage, Recommendation, Assessment, AssessmentResult];
