import { createAnswerer } from '../../../src/ai/answer-chain';
import type { AnswerInput, HistoryTurn, TextSink } from '../../../src/ai/answer-types';
import type { ConversationService } from '../../../src/core/conversation-service';
import type { AnswerProgress, IncomingMessage } from '../../../src/core/messages';
import type { AppDataSource } from '../../../src/db/data-source';
import { SEED_SKILLS } from '../../../src/db/seed-rows';
import { addContent, makeService } from '../../helpers/conversation';

/** What the Try it suites (chat.test.ts, chat.browser.test.ts) share. */

// Invented topics, so other suites' content in the shared database cannot answer these questions.
export const DOCS = [
  {
    title: 'Glazing the Vornelli kiln',
    metadata: { url: 'https://kiln.example/guides/glazing' },
    content:
      'Before glazing in the Vornelli kiln, dry the pots for two days. Then fire the Vornelli kiln slowly to nine hundred degrees. Never open the Vornelli kiln door above two hundred degrees, because the glaze cracks.',
  },
  {
    title: 'Vornelli kiln maintenance',
    content:
      'Vacuum the Vornelli kiln elements every month. Replace the Vornelli thermocouple when the readings drift by more than ten degrees.',
  },
];

/** The kiln guides and a skill catalogue row (so answers cite them and recommend the skill). */
export async function seedChatContent(ds: AppDataSource): Promise<void> {
  await addContent(ds, DOCS);
  await addContent(ds, [
    {
      title: 'Ceramics',
      content: 'Skill: glazing and firing pots in a Vornelli kiln.',
      contentType: 'skill',
      metadata: { skill_id: SEED_SKILLS[4].id },
    },
  ]);
}

export const CSRF = 'test-csrf-token';

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

/** Parses a whole Server-Sent Events body (our streams end after the final event). */
export function parseSse(body: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of body.split('\n\n')) {
    const ev: Partial<SseEvent> & { lines: string[] } = { lines: [] };
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) ev.id = line.slice(4);
      else if (line.startsWith('event: ')) ev.event = line.slice(7);
      else if (line.startsWith('data: ')) ev.lines.push(line.slice(6));
    }
    if (ev.event) events.push({ id: ev.id, event: ev.event, data: JSON.parse(ev.lines.join('\n')) });
  }
  return events;
}

/**
 * The real offline answerer, streamed slowly (so the growing text is seen step by step), recording the history it
 * was given (follow-up questions).
 */
export function recordingService(
  ds: AppDataSource,
  opts: { histories?: Map<string, HistoryTurn[]>; gates?: Map<string, Promise<void>>; stepMs?: number } = {},
): ConversationService {
  const { histories, gates, stepMs = 30 } = opts;
  const real = createAnswerer({ timeoutMs: 1000 });
  const answerer = Object.create(real);
  answerer.answerStream = async (input: AnswerInput, onText: TextSink, o?: object) => {
    histories?.set(input.question, input.history);
    // a question the test holds back until its events stream is open (else it may be answered before)
    await gates?.get(input.question);
    return real.answerStream(
      input,
      async (text) => {
        await new Promise((r) => setTimeout(r, stepMs));
        await onText(text);
      },
      o,
    );
  };
  return makeService(ds, { answerer });
}

/**
 * Breaks the first attempt of every question containing CRASH midway, with a transient error (a dropped connection);
 * LATECRASH: after the turn was logged (as if the worker died before recording its reply); BUG: every attempt, with
 * an error no retry fixes.
 */
export function crashingOnce(service: ConversationService): ConversationService {
  const crashed = new Set<string>();
  const wrapper = Object.create(service) as ConversationService;
  wrapper.handle = async (msg: IncomingMessage, progress?: AnswerProgress) => {
    const transient = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    if (msg.text.includes('LATECRASH') && !crashed.has(msg.messageId)) {
      crashed.add(msg.messageId);
      await service.handle(msg, progress);
      throw transient();
    }
    if (msg.text.includes('CRASH') && !crashed.has(msg.messageId)) {
      crashed.add(msg.messageId);
      await progress?.onStatus?.('searching');
      await progress?.onText?.('half an answer from the attempt that crashed');
      throw transient();
    }
    if (msg.text.includes('BUG')) throw new TypeError('a bug in this version');
    return service.handle(msg, progress);
  };
  return wrapper;
}
