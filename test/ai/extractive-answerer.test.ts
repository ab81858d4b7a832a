import assert from 'node:assert/strict';
import { Runnable } from '@langchain/core/runnables';
import type { AnswerInput, Passage } from '../../src/ai/answer-types';
import { EXTRACTIVE_NOTE, ExtractiveAnswerer, extractSentences, NOT_COVERED_TEXT, stem, termsOf } from '../../src/ai/extractive-answerer';

function passage(id: string, title: string, content: string, similarity: number | null = 0.5): Passage {
  return { id, title, content, contentType: 'article', score: similarity ?? 0.5, similarity };
}

const EXPENSES = passage(
  'exp-1',
  'Travel expense policy',
  [
    '# Travel expenses',
    '',
    'Submitting expenses',
    'Submit your travel expenses in the Expenses tool within 30 days of the trip. Receipts are required for any item over 25 EUR.',
    '',
    '```js',
    'submitTravelExpenses({ expenses: all, travel: true }) // travel expenses code',
    '```',
    '',
    '- Your manager approves submitted expenses every Friday.',
    '- Ok.',
  ].join('\n'),
  0.62,
);
const SECURITY = passage(
  'sec-1',
  'Security awareness',
  'Phishing emails often create a false sense of urgency. Report suspicious emails with the Report Phishing button in Outlook.',
  0.41,
);
const ONBOARDING = passage(
  'onb-1',
  'First week onboarding',
  'During your first week you will meet your onboarding buddy. The buddy helps you set up your laptop and accounts.',
  0.3,
);

function input(question: string, passages: Passage[]): AnswerInput {
  return { question, passages, history: [] };
}

describe('ExtractiveAnswerer', () => {
  const answerer = new ExtractiveAnswerer();

  it('is a LangChain Runnable', async () => {
    assert.ok(answerer instanceof Runnable);
    assert.deepEqual(answerer.lc_namespace.slice(0, 1), ['learning_assistant']);
    const [a] = await answerer.batch([input('How do I report phishing?', [SECURITY])]);
    assert.equal(a.mode, 'extractive');
  });

  it('quotes the relevant sentences and cites the right passage', async () => {
    const a = await answerer.invoke(input('How do I report a phishing email?', [EXPENSES, SECURITY, ONBOARDING]));
    assert.equal(a.mode, 'extractive');
    assert.equal(a.fallbackReason, undefined);
    assert.ok(a.text.startsWith(EXTRACTIVE_NOTE), a.text);
    assert.match(a.text, /Report Phishing button in Outlook \[2\]\./);
    assert.ok(a.citedIndexes.includes(2), JSON.stringify(a.citedIndexes));
    assert.ok(!a.citedIndexes.includes(3), 'onboarding passage is unrelated');
  });

  it('uses light stemming and picks 2-4 sentences in document order', async () => {
    const a = await answerer.invoke(input('When are submitted travel expenses approved?', [EXPENSES, SECURITY]));
    assert.deepEqual(a.citedIndexes, [1]);
    const body = a.text.split('\n').slice(1).join('\n');
    const sentences = body.match(/\[\d+\]/g) ?? [];
    assert.ok(sentences.length >= 2 && sentences.length <= 4, body);
    assert.ok(body.indexOf('Submit your travel expenses') < body.indexOf('manager approves'), body);
  });

  it('skips code fences, headings and very short sentences', async () => {
    const a = await answerer.invoke(input('travel expenses code submitTravelExpenses', [EXPENSES]));
    assert.doesNotMatch(a.text, /submitTravelExpenses\(/);
    assert.doesNotMatch(a.text, /#/);
    assert.doesNotMatch(a.text, /Ok\./);
    const sentences = extractSentences(EXPENSES.content);
    assert.ok(!sentences.some((s) => s.includes('```') || s.startsWith('#') || s === 'Submitting expenses'));
  });

  it('avoids near-duplicate sentences', async () => {
    const dup = 'Mandatory compliance training must be completed by 31 March every year.';
    const a = await answerer.invoke(
      input('When must compliance training be completed?', [
        passage('c1', 'Compliance', dup),
        passage('c2', 'Compliance FAQ', `${dup.replace('every year', 'each year')} Ask HR if you need an extension for the training.`),
      ]),
    );
    assert.equal((a.text.match(/31 March/g) ?? []).length, 1, a.text);
  });

  it('says plainly that the content does not cover an unrelated question', async () => {
    const a = await answerer.invoke(input('What is the capital of Mongolia?', [EXPENSES, SECURITY, ONBOARDING]));
    assert.equal(a.text, NOT_COVERED_TEXT);
    assert.match(a.text, /does not seem to cover/);
    assert.match(a.text, /rephras/);
    assert.deepEqual(a.citedIndexes, []);
  });

  it('handles empty passages and stop-word / emoji-only questions', async () => {
    const empty = await answerer.invoke(input('How do I submit expenses?', []));
    assert.equal(empty.text, NOT_COVERED_TEXT);
    assert.deepEqual(empty.citedIndexes, []);

    const emoji = await answerer.invoke(input('🤔 what is it?', [EXPENSES]));
    assert.equal(emoji.text, NOT_COVERED_TEXT);

    const blank = await answerer.invoke(input('travel expenses', [passage('x', 'Empty', ''), EXPENSES]));
    assert.deepEqual(blank.citedIndexes, [2]);
  });

  it('treats emoji, other scripts and SQL-looking text as plain data', async () => {
    const sql = passage(
      'sql',
      'Database course',
      "To list users, run SELECT name FROM users WHERE active = true; never paste '; DROP TABLE users; -- into a form. 🚀 Use parameterised queries to stay safe.",
    );
    const german = passage(
      'de',
      'Reisekosten',
      'Reisekosten reichen Sie innerhalb von 30 Tagen im Spesen-Tool ein. Belege sind für Beträge über 25 Euro Pflicht.',
    );
    const japanese = passage(
      'ja',
      '経費精算',
      '経費の精算は出張後30日以内に経費ツールで申請してください。25ユーロを超える領収書は必須です。',
    );

    const a = await answerer.invoke(input("How do I avoid '; DROP TABLE users; -- 🚀 in SQL queries?", [sql]));
    assert.deepEqual(a.citedIndexes, [1]);
    assert.ok(a.text.includes("'; DROP TABLE users; --"), a.text);

    const de = await answerer.invoke(input('Wie reiche ich Reisekosten ein? 💶', [sql, german]));
    assert.deepEqual(de.citedIndexes, [2]);
    assert.match(de.text, /Spesen-Tool/);

    const ja = await answerer.invoke(input('経費の精算はいつまでに申請しますか？', [german, japanese]));
    assert.deepEqual(ja.citedIndexes, [2]);
    assert.match(ja.text, /経費ツール/);
  });

  it('uses the override note and fallback reason when asked (fallback path)', () => {
    const note = '_The AI model was unavailable (rate limited), so this answer was extracted directly from the content:_';
    const a = answerer.answer(input('How do I report phishing?', [SECURITY]), { note, fallbackReason: 'rate_limited' });
    assert.ok(a.text.startsWith(note));
    assert.equal(a.fallbackReason, 'rate_limited');
    const nc = answerer.answer(input('capital of Mongolia', [SECURITY]), { note, fallbackReason: 'timeout' });
    assert.ok(nc.text.startsWith(note) && nc.text.includes(NOT_COVERED_TEXT));
    assert.equal(nc.fallbackReason, 'timeout');
  });

  describe('answerStream', () => {
    async function streamed(a: ExtractiveAnswerer, inp: AnswerInput, overrides?: { note: string; fallbackReason: string }) {
      const texts: string[] = [];
      const answer = await a.answerStream(
        inp,
        (t) => {
          texts.push(t);
        },
        {},
        overrides,
      );
      return { answer, texts };
    }

    it('streams the same answer sentence by sentence: the note, then one quoted sentence more each step', async () => {
      for (const inp of [
        input('When are submitted travel expenses approved?', [EXPENSES, SECURITY]),
        input('How do I report a phishing email or submit expenses?', [EXPENSES, SECURITY, ONBOARDING]),
      ]) {
        const { answer, texts } = await streamed(answerer, inp);
        assert.deepEqual(answer, await answerer.invoke(inp), 'the same Answer as invoke');
        if (inp.passages.length === 3) assert.match(answer.text, /\n• .+\n• /, 'one bulleted line per passage');
        assert.equal(texts[0], EXTRACTIVE_NOTE);
        assert.equal(texts.at(-1), answer.text);
        const sentences = (answer.text.match(/\[\d+\]/g) ?? []).length;
        assert.ok(sentences >= 2, answer.text);
        assert.equal(texts.length, 1 + sentences);
        for (let i = 1; i < texts.length; i++) {
          assert.ok(texts[i].startsWith(texts[i - 1]), 'the text only grows');
          assert.equal((texts[i].match(/\[\d+\]/g) ?? []).length, i, `one sentence more at step ${i}: ${texts[i]}`);
        }
      }
    });

    it('streams "not covered" in one step, and after a fallback note in two', async () => {
      const inp = input('What is the capital of Mongolia?', [EXPENSES]);
      assert.deepEqual((await streamed(answerer, inp)).texts, [NOT_COVERED_TEXT]);
      const note = '_The AI model was unavailable (it timed out), so this answer was extracted directly from the content:_';
      const { answer, texts } = await streamed(answerer, inp, { note, fallbackReason: 'timeout' });
      assert.deepEqual(texts, [note, `${note}\n${NOT_COVERED_TEXT}`]);
      assert.equal(answer.fallbackReason, 'timeout');
    });

    it('stops between sentences when the caller aborts, and survives a throwing receiver', async () => {
      const inp = input('When are submitted travel expenses approved?', [EXPENSES]);
      const controller = new AbortController();
      const seen: string[] = [];
      await assert.rejects(
        answerer.answerStream(
          inp,
          (t) => {
            seen.push(t);
            controller.abort(new Error('user cancelled'));
          },
          { signal: controller.signal },
        ),
        /cancelled/,
      );
      assert.equal(seen.length, 1);

      let calls = 0;
      const answer = await answerer.answerStream(inp, () => {
        calls++;
        throw new Error('surface gone');
      });
      assert.equal(calls, 1);
      assert.deepEqual(answer, await answerer.invoke(inp));
    });
  });

  it('normalises terms: lowercase, diacritics, stop words, stemming', () => {
    assert.deepEqual([...termsOf('How do I submit my Expenses?')], ['submit', 'expens']);
    assert.equal(stem('submitting'), stem('submitted'));
    assert.equal(stem('policies'), 'policy');
    assert.ok(termsOf('Café RÉSUMÉ').has(stem('resume')));
    assert.equal(termsOf('🚀🎉 !!!').size, 0);
  });
});
