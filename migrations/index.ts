import { InitialSchema1795600000000 } from './1795600000000-InitialSchema';
import { Functions1795600000001 } from './1795600000001-Functions';
import { PlatformIdentities1795600000002 } from './1795600000002-PlatformIdentities';
import { RowLevelSecurity1795600000003 } from './1795600000003-RowLevelSecurity';
import { Views1795600000004 } from './1795600000004-Views';
import { SeedRows1795600000005 } from './1795600000005-SeedRows';
import { ConversationCore1795700000000 } from './1795700000000-ConversationCore';
import { ChannelEvents1795800000000 } from './1795800000000-ChannelEvents';
import { LearningLoop1795900000000 } from './1795900000000-LearningLoop';
import { DurableDelivery1796000000000 } from './1796000000000-DurableDelivery';
import { FastRetrieval1796100000000 } from './1796100000000-FastRetrieval';
import { SplitRecommendations1796213000000 } from './1796213000000-SplitRecommendations';
import { FeedbackComment1796300000000 } from './1796300000000-FeedbackComment';
import { LeanPostings1796400000000 } from './1796400000000-LeanPostings';
import { WebChannel1796500000000 } from './1796500000000-WebChannel';
import { InsightsIndexes1796600000000 } from './1796600000000-InsightsIndexes';
import { QuestionStems1796700000000 } from './1796700000000-QuestionStems';
import { BinaryQuantizedIndex1796800000000 } from './1796800000000-BinaryQuantizedIndex';

// Listed explicitly (not globbed) so the same list works from TypeScript sources and compiled output.
export const MIGRATIONS = [
  InitialSchema1795600000000,
  Functions1795600000001,
  PlatformIdentities1795600000002,
  RowLevelSecurity1795600000003,
  Views1795600000004,
  SeedRows1795600000005,
  ConversationCore1795700000000,
  ChannelEvents1795800000000,
  LearningLoop1795900000000,
  DurableDelivery1796000000000,
  FastRetrieval1796100000000,
  SplitRecommendations1796213000000,
  FeedbackComment1796300000000,
  LeanPostings1796400000000,
  WebChannel1796500000000,
  InsightsIndexes1796600000000,
  QuestionStems1796700000000,
  BinaryQuantizedIndex1796800000000,
];
