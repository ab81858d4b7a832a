import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AgentsPlayground } from '../../helpers/agents-playground';
import { launchBrowser, newContext, saveScreenshot } from '../../helpers/browser';
import { backends } from '../../helpers/databases';
import { FakeOpenAIServer } from '../../helpers/fake-openai-server';
import { childDatabase, freePort, ServerProcess, sleep } from '../../helpers/server-process';

/**
 * End to end with a real Microsoft client: our server (as `npm start` runs it, Teams in the local
 * unauthenticated mode) <-> Microsoft 365 Agents Playground (the npm CLI, a Teams look-alike that also
 * plays the Bot Connector) <-> headless Chromium (Debian's, through playwright-core). The model is a
 * fake OpenAI server on 127.0.0.1 that streams a fixed reply word by word, slowly enough that Teams'
 * streaming (one update a second at most) has something to show; retrieval, the sources and
 * everything else are the server's own, over the sample corpus.
 *
 * What Playground 0.2.28 renders (found by this test, see docs/teams-playground.md):
 * - streaming: the informative update, growing chunks (with a typing cursor), then the final text;
 * - the "AI generated" label, and citation pop-ups for [n] markers in paragraphs (not in list items);
 * - 👍/👎 with Teams' feedback dialog, but its message/submitAction invoke carries no replyToId (real
 *   Teams sends the id of the message the feedback is on), so our bot cannot tell which answer it is
 *   about, answers 400 and stores nothing;
 * - a final message with text and a card shows as two messages (the text, then the card).
 */

const QUESTION = 'How do I handle exceptions in Python?';
const GROUP_QUESTION = 'How should I run a retrospective?';
// What the fake model says: paragraphs (the Playground makes citation pop-ups only inside paragraphs).
const REPLY =
  'Wrap the code that can fail in a try block and catch the specific exception you expect, such as ValueError or KeyError, in an except clause [1].\n\n' +
  'Use else for code that should run only when nothing failed, and finally for clean-up that must always run [1]. ' +
  'Let unexpected exceptions propagate, so that their traceback shows where things went wrong [2].';
const GROUP_REPLY =
  'Look back at one period of work with the whole team, collect what went well and what did not, and agree on one or two changes to try next [1]. ' +
  'Follow up on those changes at the next retrospective [2].';
const BOT = 'Test Bot';
const INFORMATIVE = 'Searching your learning content…';

/** One bot message as the Playground shows it. */
interface ShownMessage {
  text: string;
  aiLabel: boolean;
  like: boolean;
  dislike: boolean;
  progressBar: boolean;
  citations: string[];
}

/** The little of the DOM the page function below uses (the project compiles without the DOM library). */
interface DomElement {
  textContent: string | null;
  innerText: string;
  parentElement: DomElement | null;
  nextElementSibling: DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
}

/** The bot's messages in the open conversation, oldest first (read from the DOM). */
function botMessages(page: Page): Promise<ShownMessage[]> {
  return page.evaluate((bot) => {
    const document = (globalThis as unknown as { document: DomElement }).document;
    const out: ShownMessage[] = [];
    for (const header of document.querySelectorAll('[aria-label="Message header"]')) {
      if (header.querySelector('[aria-label="Message author"]')?.textContent?.trim() !== bot) continue;
      const message = header.parentElement?.parentElement;
      const body = header.nextElementSibling;
      if (!message || !body) continue;
      out.push({
        // biome-ignore lint/performance/useDomNodeTextContent: the text as shown (paragraph breaks, no hidden nodes) is what is checked
        text: body.innerText.trim(),
        aiLabel: [...header.querySelectorAll('span')].some((s) => s.textContent?.trim() === 'AI generated'),
        like: !!message.querySelector('button[aria-label="Like"]'),
        dislike: !!message.querySelector('button[aria-label="Dislike"]'),
        progressBar: !!body.querySelector('[role="progressbar"]'),
        citations: [...body.querySelectorAll('.fai-Citation, [class*="Citation"]')].map((c) => c.textContent?.trim() ?? ''),
      });
    }
    return out;
  }, BOT);
}

for (const backend of backends()) {
  describe(`Teams in Microsoft 365 Agents Playground, headless Chromium [${backend.name}]`, function () {
    this.timeout(120_000);
    let openai: FakeOpenAIServer;
    let db: Awaited<ReturnType<typeof childDatabase>> | undefined;
    let server: ServerProcess | undefined;
    let playground: AgentsPlayground | undefined;
    let browser: Browser | undefined;
    let context: BrowserContext;
    let page: Page;
    /** requests the page tried to make to other hosts (blocked: this machine has no internet) */
    const offline: string[] = [];

    before(async function () {
      // Alone, all of this takes ~25 s; on a machine busy with other test runs, start-up alone took 145 s.
      this.timeout(360_000);
      // First, so that a machine without Chromium fails at once with the fix in the message.
      browser = await launchBrowser();
      openai = new FakeOpenAIServer({ defaultReply: 'I do not know [1].' });
      const { url } = await openai.start();
      db = await childDatabase(backend.name);
      server = new ServerProcess(await freePort(), {
        ...db.env,
        TEAMS_ALLOW_UNAUTHENTICATED: 'true',
        OPENAI_API_KEY: 'sk-playground-test-key',
        OPENAI_BASE_URL: url,
        // the sample corpus is embedded offline: the fake model only writes the answers
        EMBEDDING_PROVIDER: 'local',
        // the fake model streams for ~7 s; on a busy machine the default 15 s cut the answer off
        LLM_TIMEOUT_MS: '60000',
      });
      await server.start(300_000);
      playground = new AgentsPlayground(`${server.url}/api/messages`, await freePort());
      await playground.start();
      context = await newContext(browser);
      // The page loads its Segoe UI fonts from res-1.cdn.office.net: refuse every other host at once
      // (the page then uses a fallback font) instead of waiting for DNS to fail.
      await context.route(
        (u) => !['localhost', '127.0.0.1'].includes(u.hostname),
        (route) => {
          offline.push(route.request().url());
          return route.abort('internetdisconnected');
        },
      );
      page = await context.newPage();
      // Generous: the page is a 10 MB script, which took 16 s to parse on a machine busy with other tests.
      page.setDefaultTimeout(60_000);
      await page.goto(playground.url, { timeout: 120_000 });
      await page.getByRole('treeitem', { name: 'Personal Chat' }).waitFor();
    });

    // Should mocha exit before the after hook has finished (--exit, a hook timeout), the children go too.
    const killChildren = () => {
      void server?.stop('SIGKILL');
      void playground?.kill();
    };
    process.once('exit', killChildren);

    after(async function () {
      this.timeout(120_000);
      process.off('exit', killChildren);
      // Each step on its own: a failure in one must not leave the processes of the others running.
      const steps: Array<() => Promise<unknown> | undefined> = [
        () => browser?.close(),
        () => playground?.stop(),
        () => server?.stop('SIGKILL'), // a throwaway: no need to wait for a graceful shutdown
        () => openai?.stop(),
        () => db?.cleanup(),
      ];
      for (const step of steps) {
        try {
          await step();
        } catch (err) {
          process.stderr.write(`playground test clean-up: ${(err as Error).message}\n`);
        }
      }
    });

    async function send(text: string): Promise<void> {
      const box = page.getByRole('textbox');
      await box.click();
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
    }

    /** Polls the open conversation until `done` holds for one of the bot's messages; returns every distinct state of it seen on the way. */
    async function watch(
      pick: (m: ShownMessage) => boolean,
      done: (m: ShownMessage) => boolean,
      onChange?: (m: ShownMessage) => Promise<void>,
    ): Promise<ShownMessage[]> {
      const seen: ShownMessage[] = [];
      const deadline = Date.now() + 45_000;
      for (;;) {
        const current = (await botMessages(page)).filter(pick).at(-1);
        if (current && current.text !== seen.at(-1)?.text) {
          seen.push(current);
          await onChange?.(current);
        }
        if (current && done(current)) return seen;
        if (Date.now() > deadline)
          assert.fail(`no final answer within 45 s; seen: ${JSON.stringify(seen)}; server log: ${lastLogs(server!)}`);
        await sleep(100);
      }
    }

    it('personal chat: streamed answer (informative update, growing text, final) with the AI label, citation pop-ups, 👍/👎 and the sources card', async () => {
      openai.enqueue({ reply: REPLY, chunkDelayMs: 110 });
      await page.getByRole('treeitem', { name: 'Personal Chat' }).click();
      await send(QUESTION);

      let streamingShot = false;
      const seen = await watch(
        (m) => m.text === INFORMATIVE || norm(REPLY).startsWith(norm(m.text).slice(0, 30)),
        isFinal,
        async (m) => {
          if (!streamingShot && m.text !== INFORMATIVE && !isFinal(m)) {
            streamingShot = true;
            await saveScreenshot(page, 'teams-personal-streaming');
          }
        },
      );
      const final = seen.at(-1)!;
      const chunks = seen.slice(1, -1).map((m) => norm(m.text.replace(/\s*\|$/, ''))); // "|": the Playground's typing cursor
      const trail = JSON.stringify(seen.map((m) => m.text));
      assert.equal(seen[0].text, INFORMATIVE, `the informative update comes first; seen ${trail}`);
      // The page is read every 100 ms, but on a busy machine a read (or a screenshot) can take longer than a
      // chunk lasts: the Playground's own log counts what it received, the DOM must have shown at least one.
      assert.ok(chunks.length >= 1, `the answer was seen growing before the final message; seen ${trail}`);
      const received = await streamedChunks(page);
      assert.ok(received >= 2, `the Playground received at least two streamed chunks (typing activities with text); got ${received}`);
      for (const [i, chunk] of chunks.entries()) {
        assert.ok(norm(REPLY).startsWith(chunk), `chunk ${i + 1} is a beginning of the answer: ${chunk}`);
        if (i > 0) assert.ok(chunk.length > chunks[i - 1].length, `chunk ${i + 1} is longer than chunk ${i}`);
        assert.ok(!seen[i + 1].aiLabel && !seen[i + 1].like, 'no label and no 👍/👎 while streaming');
      }
      // The final message: the whole text, [n] shown as citation buttons "n", the AI label, 👍/👎.
      const cited = [...REPLY.matchAll(/\[(\d+)\]/g)].map((m) => m[1]);
      assert.equal(norm(final.text), norm(REPLY.replace(/\[(\d+)\]/g, '$1')));
      assert.deepEqual(final.citations, cited, 'one citation button per [n] marker');
      assert.ok(final.aiLabel, 'the "AI generated" label');
      assert.ok(final.like && final.dislike, '👍 and 👎 under the answer');
      const answer = page.locator('.fai-Citation').first().locator('xpath=ancestor::*[.//button[@aria-label="Like"]][1]');
      await answer.scrollIntoViewIfNeeded();
      await saveScreenshot(page, 'teams-personal-answer');

      // The card (the Playground shows it as a message of its own after the text): sources from the corpus.
      const [card] = await watch(
        (m) => m.text.startsWith('Sources'),
        () => true,
      );
      const sources = new Map([...card.text.matchAll(/^\[(\d+)\]\s*(.+?) · /gm)].map((m) => [m[1], m[2]]));
      assert.match(sources.get('1') ?? '', /exception/i, `source [1] is the corpus' exceptions tutorial: ${card.text}`);
      assert.ok(sources.has('2'), `source [2] is listed: ${card.text}`);

      // Pointing at a citation opens its pop-up: the source's summary (a link when it has a URL) and title.
      await page.locator('.fai-Citation').first().hover();
      const popup = page.locator('.fui-PopoverSurface').filter({ hasText: 'from your learning content' });
      await popup.waitFor();
      const popupText = (await popup.textContent()) ?? '';
      assert.ok(popupText.includes(sources.get('1')!), `the pop-up names source [1] (${sources.get('1')}): ${popupText}`);
      assert.match(popupText, /from your learning content/);
      await saveScreenshot(page, 'teams-citation-popup');
      await page.mouse.move(5, 5);
      await popup.waitFor({ state: 'detached' });
    });

    it('personal chat 👍: the Playground asks for a comment and sends the feedback invoke without replyToId, so nothing is stored; with the replyToId real Teams sends, the same invoke is stored', async () => {
      const likes = page.getByRole('button', { name: 'Like', exact: true });
      // the last two messages: the answer text, then its card
      await likes.nth((await likes.count()) - 2).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('What did you like?').waitFor();
      await dialog.getByRole('textbox').fill('Clear and cited');
      await saveScreenshot(page, 'teams-feedback-dialog');
      await dialog.getByRole('button', { name: 'Submit' }).click();
      await dialog.getByText('Unable to reach app').waitFor();

      // The Playground's log panel shows the request it sent and our answer.
      const invoke = page.getByText(/^invoke \d{3}$/).last();
      assert.equal(await invoke.textContent(), 'invoke 400');
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached' });
      await invoke.click();
      const sent = await loggedRequest(page);
      assert.equal(sent.name, 'message/submitAction');
      assert.deepEqual(sent.value, { actionName: 'feedback', actionValue: { reaction: 'like', feedback: 'Clear and cited' } });
      assert.equal(sent.replyToId, undefined, 'Playground 0.2.28 does not say which message the feedback is on');

      const client = await db!.connect();
      try {
        const row = async () =>
          (
            await client.query(
              `SELECT id, reply_activity_id, feedback, feedback_comment FROM chat_messages WHERE channel = 'teams' AND message = $1`,
              [QUESTION],
            )
          ).rows;
        const [stored, ...more] = await row();
        assert.equal(more.length, 0, 'one chat_messages row for the question');
        assert.ok(stored.reply_activity_id, 'the answer remembers the id of the message it was streamed into');
        assert.equal(stored.feedback, null, 'nothing stored from a feedback invoke that names no message');

        // The same request with the replyToId Teams sends (the streamed message's id): stored.
        const res = await fetch(`${server!.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...sent, id: `${sent.id}-replayed`, replyToId: stored.reply_activity_id }),
        });
        assert.equal(res.status, 200, await res.text());
        const [after] = await row();
        assert.equal(after.feedback, 1);
        assert.equal(after.feedback_comment, 'Clear and cited');
      } finally {
        await client.end();
      }
    });

    it('group chat @mention: one normal message (no streaming) with the AI label, citations and 👍/👎', async () => {
      openai.enqueue({ reply: GROUP_REPLY, chunkDelayMs: 110 });
      await page.getByRole('treeitem', { name: 'Group Chat' }).click();
      await page.getByRole('textbox').click();
      await page.keyboard.type('@');
      await page.getByRole('menuitem', { name: BOT }).click();
      await page.keyboard.type(` ${GROUP_QUESTION}`);
      await page.keyboard.press('Enter');

      const seen = await watch((m) => m.text === INFORMATIVE || norm(GROUP_REPLY).startsWith(norm(m.text).slice(0, 30)), isFinal);
      assert.equal(seen.length, 1, `the answer appears once, complete (no update, no chunks): ${JSON.stringify(seen.map((m) => m.text))}`);
      const [answer] = seen;
      assert.equal(norm(answer.text), norm(GROUP_REPLY.replace(/\[(\d+)\]/g, '$1')));
      assert.deepEqual(answer.citations, ['1', '2']);
      assert.ok(answer.aiLabel && answer.like && answer.dislike, 'AI label and 👍/👎 (group chats support the feedback loop)');
      await watch(
        (m) => m.text.startsWith('Sources'),
        () => true,
      );
      await page.locator('.fai-Citation').last().scrollIntoViewIfNeeded();
      await saveScreenshot(page, 'teams-group-answer');
      assert.deepEqual(
        offline.filter((u) => !u.startsWith('https://res-1.cdn.office.net/')),
        [],
        'the page reached for no other host',
      );
    });
  });
}

/** Text with runs of white space made one space (the DOM's line breaks differ from the Markdown's). */
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The final message: the label and 👍/👎 appear only once the stream has ended. */
const isFinal = (m: ShownMessage) => m.aiLabel && m.like;

/** How many streaming chunks (typing activities with text, after the informative one) the Playground's log panel lists. */
async function streamedChunks(page: Page): Promise<number> {
  const lines = await page.getByText(/^typing \d{3}$/).evaluateAll((els) =>
    (els as unknown as DomElement[]).map((link) => {
      // up to the whole log line, "[10:35:58 AM] User Application -> ... typing 202 Wrap the code..."
      let line = link;
      while (line.parentElement && !/^\s*\[\d/.test(line.textContent ?? '')) line = line.parentElement;
      return line.textContent ?? '';
    }),
  );
  return lines.filter((l) => /typing \d{3}\s*\S/.test(l) && !l.includes(INFORMATIVE)).length;
}

/** The request of the log item the test clicked, as the Playground's log detail shows it. */
async function loggedRequest(page: Page): Promise<Record<string, any>> {
  await page.getByRole('tab', { name: 'Request' }).click();
  // the JSON is shown under the Request/Response tabs: the nearest enclosing element that holds it
  const text = (await page.getByRole('tablist').locator('xpath=ancestor::*[contains(., "{")][1]').textContent()) ?? '';
  const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  return JSON.parse(json);
}

function lastLogs(server: ServerProcess): string {
  return server.logs
    .slice(-8)
    .map((l) => l.msg)
    .join(' | ');
}
