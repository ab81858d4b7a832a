// The slice of the Adaptive Card schema this app uses, typed so the builders cannot drift into shapes
// Teams does not render. Teams renders schema 1.5 (desktop, web and mobile); see
// https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference

/** the one truncate of the application, under the name the card builders import */
export { truncate } from '../../../text';

export const ADAPTIVE_CARD_VERSION = '1.5';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * Teams refuses messages over about 28 KB (the whole activity, not only the card). The card gets this
 * budget; the envelope (ids, from/recipient, channelData) stays well under the remaining 4 KB.
 */
export const CARD_BYTE_BUDGET = 24_000;

export type TextColor = 'default' | 'dark' | 'light' | 'accent' | 'good' | 'warning' | 'attention';

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  weight?: 'default' | 'lighter' | 'bolder';
  size?: 'small' | 'default' | 'medium' | 'large' | 'extraLarge';
  color?: TextColor;
  isSubtle?: boolean;
  spacing?: 'none' | 'small' | 'default' | 'medium' | 'large';
  separator?: boolean;
  maxLines?: number;
  fontType?: 'default' | 'monospace';
  horizontalAlignment?: 'left' | 'center' | 'right';
}

export interface Fact {
  title: string;
  value: string;
}
export interface FactSet {
  type: 'FactSet';
  facts: Fact[];
  spacing?: TextBlock['spacing'];
}

/** Action.Submit: Teams posts `data` back as a message activity whose `value` is `data`. */
export interface SubmitAction {
  type: 'Action.Submit';
  title: string;
  data: Record<string, unknown>;
  style?: 'default' | 'positive' | 'destructive';
}

export interface ActionSet {
  type: 'ActionSet';
  actions: SubmitAction[];
  spacing?: TextBlock['spacing'];
}

export interface Container {
  type: 'Container';
  items: CardElement[];
  style?: 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
  separator?: boolean;
  spacing?: TextBlock['spacing'];
}

/** An image; Teams renders `data:image/png;base64,...` urls too (they count towards the card's size). */
export interface Image {
  type: 'Image';
  url: string;
  altText: string;
  size?: 'auto' | 'stretch' | 'small' | 'medium' | 'large';
  spacing?: TextBlock['spacing'];
}

export interface Column {
  type: 'Column';
  /** 'auto', 'stretch' or a relative weight */
  width: 'auto' | 'stretch' | number;
  items: CardElement[];
  verticalContentAlignment?: 'top' | 'center' | 'bottom';
}

export interface ColumnSet {
  type: 'ColumnSet';
  columns: Column[];
  spacing?: TextBlock['spacing'];
  separator?: boolean;
}

/** Input.ChoiceSet: with style 'expanded' and no isMultiSelect, radio buttons. Its value comes back under `id`. */
export interface ChoiceSetInput {
  type: 'Input.ChoiceSet';
  id: string;
  choices: Array<{ title: string; value: string }>;
  style?: 'compact' | 'expanded';
  isMultiSelect?: boolean;
  wrap?: boolean;
  label?: string;
  spacing?: TextBlock['spacing'];
}

export type CardElement = TextBlock | FactSet | ActionSet | Container | Image | ColumnSet | ChoiceSetInput;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: typeof ADAPTIVE_CARD_SCHEMA;
  version: typeof ADAPTIVE_CARD_VERSION;
  body: CardElement[];
  actions?: SubmitAction[];
  /** Teams-only: use the full width of the message area */
  msteams?: { width: 'Full' };
}

export interface CardAttachment {
  contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
  content: AdaptiveCard;
}

export function card(body: CardElement[], actions: SubmitAction[] = []): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: ADAPTIVE_CARD_VERSION,
    body,
    ...(actions.length ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

export function attachment(content: AdaptiveCard): CardAttachment {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content };
}

export const text = (t: string, extra: Omit<TextBlock, 'type' | 'text'> = {}): TextBlock => ({
  type: 'TextBlock',
  text: t,
  wrap: true,
  ...extra,
});

/** Size of the card as Teams receives it (UTF-8 JSON). */
export const cardBytes = (c: AdaptiveCard): number => Buffer.byteLength(JSON.stringify(c), 'utf8');
