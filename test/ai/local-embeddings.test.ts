import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  defaultTablePath,
  LOCAL_EMBEDDER_ID,
  LOCAL_EMBEDDING_DIMENSIONS,
  LOCAL_HASH_EMBEDDER_ID,
  LocalEmbeddings,
  readGloveTable,
  stem,
  tokenize,
} from '../../src/ai/local-embeddings';

// Paraphrase retrieval set: each learner question should retrieve its own passage among all 30.
// Passages are reworded the way course content is (synonyms, inflections, different structure),
// but, like real content, usually still name the topic. Written for this test: the embedder's
// weights were tuned on separate sets.
const PARAPHRASE_PAIRS: Array<[query: string, passage: string]> = [
  // Python
  [
    'How do I install a Python package?',
    'Third-party libraries are added with pip, e.g. pip install requests, ideally inside a virtual environment.',
  ],
  ['What is a Python dictionary?', 'Dictionaries map keys to values, so you can look up an entry by its key instead of its position.'],
  [
    'How do I read a file line by line in Python?',
    'Open the file in a with block and loop over the file object; each iteration yields the next line of text.',
  ],
  [
    'How do I write a function with default arguments?',
    'Give a parameter a default value in the def statement so callers may omit that argument.',
  ],
  [
    'How do I debug a Python script?',
    'Insert breakpoint() or run the script under pdb to pause execution, step through lines and inspect variables.',
  ],
  // Machine learning
  [
    'What is supervised learning?',
    'In supervised machine learning, a model learns from labelled examples to predict the label of new data.',
  ],
  [
    'How do I evaluate a classifier?',
    'Classification models are judged by accuracy, precision, recall and F1 on data held out from training.',
  ],
  [
    'How do neural networks learn?',
    'A network adjusts the weights of its layers by backpropagation, reducing the prediction error step by step.',
  ],
  ['How can I stop my model overfitting?', 'To avoid overfitting, use regularisation, dropout, early stopping or more training data.'],
  [
    'What is feature engineering?',
    'Engineering good features means transforming raw columns into inputs that make patterns easier for the algorithm to learn.',
  ],
  // Data analysis
  [
    'How should I clean a messy dataset?',
    'Data cleaning removes duplicate records, fixes inconsistent formats and deals with missing values before any analysis.',
  ],
  [
    'Which statistics summarise a dataset?',
    'Descriptive statistics such as the mean, median and standard deviation summarise the centre and spread of the data.',
  ],
  [
    'How do I build a dashboard?',
    'A good dashboard puts the key metrics and charts for its audience on one screen, with filters for drilling down.',
  ],
  [
    'How can I show a trend over time?',
    'Use a line chart with time on the horizontal axis to show how a value trends across weeks or months.',
  ],
  [
    'How do I run an A/B test?',
    'In an A/B experiment, users are randomly split between two variants and the difference in conversion is tested for significance.',
  ],
  // Project management
  [
    'What is the difference between agile and waterfall?',
    'Waterfall projects move through fixed sequential phases, while agile teams deliver in short iterations and adapt the plan.',
  ],
  [
    'How do I estimate a task?',
    'Estimate effort by breaking tasks into smaller pieces, comparing with similar past work, and adding contingency.',
  ],
  [
    'What does a project manager do?',
    'Project managers plan the schedule, coordinate the team and resources, track progress and manage the budget.',
  ],
  [
    'How do I run a daily stand-up meeting?',
    "In the daily stand-up each person shares yesterday's progress, today's plan and any blockers, in under fifteen minutes.",
  ],
  [
    'How should I report project status?',
    'A weekly status report covers progress against milestones, budget, risks and the decisions needed from sponsors.',
  ],
  // Communication
  [
    'How can I get better at public speaking?',
    'Confident speakers rehearse their talk, learn the opening by heart and practise in front of colleagues to calm their nerves.',
  ],
  [
    'How do I write a clear email?',
    'Clear emails state the request in the first line, keep paragraphs short and use a subject line that says what is needed.',
  ],
  [
    'How do I say no politely at work?',
    'Decline extra requests politely by explaining your current priorities and offering an alternative.',
  ],
  [
    'How do I communicate well with a remote team?',
    'Remote teams communicate best with written documentation, regular video calls and agreed response times.',
  ],
  [
    'How do I give constructive feedback?',
    'Constructive feedback describes the specific behaviour, its impact, and a concrete suggestion for next time.',
  ],
  // Leadership
  ['What is servant leadership?', 'Servant leaders put the needs of their team first and focus on helping each person grow.'],
  [
    'How do I coach an underperforming employee?',
    'When an employee underperforms, agree clear improvement goals, offer coaching and training, and review progress regularly.',
  ],
  [
    'How can a leader build psychological safety?',
    'Leaders create psychological safety by welcoming questions, admitting mistakes and never blaming people for speaking up.',
  ],
  [
    'How do I lead change in an organisation?',
    'Leading organisational change means explaining why it is needed, involving employees early and celebrating quick wins.',
  ],
  [
    'How do I delegate effectively?',
    'Effective delegation hands over clear outcomes and the authority to achieve them, with check-ins instead of micromanagement.',
  ],
];

// A much harder set: passages mostly avoid the question's words, so mainly the GloVe block can
// match them. A bag-of-words embedder cannot do well here; this is a regression floor, not a goal.
const HARD_PARAPHRASE_PAIRS: Array<[query: string, passage: string]> = [
  // Python
  ['How do I install a Python package?', 'Use pip to download and add third-party libraries to your environment.'],
  ['What is a dictionary in Python?', 'A mapping type stores key-value pairs and lets you look values up by their key.'],
  [
    'How do I read a text file line by line in Python?',
    'Open the file with a with-statement and iterate over it to process each row of text in turn.',
  ],
  [
    'When should I write a Python class?',
    'Object-oriented code groups related data and the functions that operate on it into one reusable type.',
  ],
  [
    'How do I debug my Python script?',
    'Set breakpoints and step through the program with pdb or your IDE to inspect variables as it runs.',
  ],
  // Machine learning
  ['What is supervised learning?', 'Algorithms are trained on labelled examples so they can predict the correct output for new inputs.'],
  ['How do I evaluate a classification model?', 'Measure accuracy, precision, recall and the F1 score on a held-out test set.'],
  ['What is a neural network?', 'Layers of connected artificial neurons learn weights that transform inputs into predictions.'],
  [
    'How can I prevent my model from overfitting?',
    'Regularisation, dropout, more training data and early stopping keep a model from memorising noise.',
  ],
  ['What is feature engineering?', 'Creating new input variables from raw data often improves how well an algorithm performs.'],
  // Data analysis
  ['How do I clean messy data?', 'Remove duplicates, fix inconsistent formats and handle empty fields before analysing a dataset.'],
  [
    'What is descriptive statistics?',
    'Summaries such as the mean, median, standard deviation and range describe the main features of a dataset.',
  ],
  [
    'How do I build a dashboard for stakeholders?',
    'Combine the key charts and metrics into one interactive report that business users can filter themselves.',
  ],
  ['How do I visualise a trend over time?', 'A line chart plotting the values by date shows how a measure rises or falls across months.'],
  [
    'How do I run an A/B test?',
    'Randomly split users into two groups, show each a different version, and compare conversion rates for a significant difference.',
  ],
  // Project management
  [
    'What is the difference between agile and waterfall?',
    'Iterative delivery in short cycles contrasts with a sequential plan where each phase finishes before the next starts.',
  ],
  [
    'How do I estimate how long a task will take?',
    'Break the work down, compare it with similar past jobs, and add a buffer for uncertainty.',
  ],
  [
    'What does a project manager do?',
    'This role plans the work, coordinates people and resources, tracks progress and keeps the delivery on budget.',
  ],
  [
    'How do I run a daily stand-up?',
    'Each team member briefly says what they did yesterday, what they plan today, and any blockers, in fifteen minutes or less.',
  ],
  [
    'How should I report project status to sponsors?',
    'Send a short regular update covering progress against milestones, budget, risks and decisions needed.',
  ],
  // Communication
  [
    'How do I become a more confident public speaker?',
    'Rehearse your talk several times, know your opening by heart, and practise in front of friendly colleagues to reduce nerves.',
  ],
  [
    'How should I write a status update on Slack?',
    'Keep chat messages brief, lead with the outcome, and use threads so the channel stays readable.',
  ],
  [
    'How do I say no to extra work politely?',
    'Explain your current priorities, decline respectfully, and suggest an alternative time or person.',
  ],
  [
    'How do I communicate with a remote team?',
    'Distributed colleagues need clear written documentation, regular video calls and agreed response times.',
  ],
  [
    'How do I structure a persuasive presentation?',
    'Open with the problem, present evidence for your proposal, and close with a clear call to action.',
  ],
  // Leadership
  ['What is servant leadership?', 'Leaders who put the needs of their people first and help them grow tend to build committed teams.'],
  [
    'How do I coach an underperforming employee?',
    'Agree specific improvement goals with the staff member, offer support and training, and review progress regularly.',
  ],
  [
    'How can a leader build psychological safety?',
    'Encourage people to speak up without fear of blame by welcoming questions and admitting your own mistakes.',
  ],
  [
    'How do I lead organisational change?',
    'Explain why the change is needed, involve employees early, and celebrate quick wins to keep momentum.',
  ],
  [
    'How do I make difficult decisions as a manager?',
    'Gather the facts, weigh the options against your goals, consult the team, and then commit to a choice.',
  ],
];

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: number[]): number {
  return Math.sqrt(dot(a, a));
}

async function meanReciprocalRank(e: LocalEmbeddings, pairs: Array<[string, string]>): Promise<number> {
  const queries = await Promise.all(pairs.map(([q]) => e.embedQuery(q)));
  const docs = await e.embedDocuments(pairs.map(([, d]) => d));
  let total = 0;
  queries.forEach((q, i) => {
    const sims = docs.map((d) => dot(q, d));
    const rank = 1 + sims.filter((s, j) => j !== i && s >= sims[i]).length;
    total += 1 / rank;
  });
  return total / pairs.length;
}

describe('LocalEmbeddings', function () {
  this.timeout(60_000);
  const e = new LocalEmbeddings();

  it('uses the packed GloVe table in this repository', () => {
    assert.ok(fs.existsSync(defaultTablePath()), `missing ${defaultTablePath()}; run scripts/pack-glove.ts`);
    assert.equal(e.embedderId, LOCAL_EMBEDDER_ID);
    assert.match(LOCAL_EMBEDDER_ID, /^local:hash-glove-v\d+$/);
    const table = readGloveTable(defaultTablePath());
    assert.equal(table.dims, 100);
    assert.ok(table.count >= 30_000, `table has only ${table.count} words`);
    for (const w of ['python', 'data', 'leadership', 'meeting']) assert.ok(table.index.has(w), w);
  });

  it('returns 1536-dimensional unit vectors', async () => {
    const [a, b] = await e.embedDocuments(['Learning Python for data analysis', 'Giving feedback to your team']);
    const q = await e.embedQuery('What is a pivot table?');
    for (const v of [a, b, q]) {
      assert.equal(v.length, LOCAL_EMBEDDING_DIMENSIONS);
      assert.equal(v.length, 1536);
      assert.ok(v.every(Number.isFinite));
      assert.ok(Math.abs(norm(v) - 1) < 1e-9, `norm ${norm(v)}`);
    }
  });

  it('is deterministic across calls and instances', async () => {
    const text = 'Machine learning models need clean, well-labelled training data.';
    const a = await e.embedQuery(text);
    const b = await new LocalEmbeddings().embedQuery(text);
    const [c] = await new LocalEmbeddings().embedDocuments([text]);
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
  });

  it('gives a valid non-zero unit vector for empty, whitespace, emoji and other-script text', async () => {
    const inputs = [
      '',
      '   \n\t ',
      '🎉🚀',
      '👍',
      '...!?',
      '机器学习入门',
      'Обучение машинному обучению',
      'मशीन लर्निंग',
      'تعلم الآلة',
      'ñandú café naïve',
      '\u0000\uffff\ud800',
    ];
    const vs = await e.embedDocuments(inputs);
    vs.forEach((v, i) => {
      assert.equal(v.length, 1536, inputs[i]);
      assert.ok(v.every(Number.isFinite), inputs[i]);
      assert.ok(Math.abs(norm(v) - 1) < 1e-9, `${JSON.stringify(inputs[i])}: norm ${norm(v)}`);
    });
    // All texts without tokens share one fixed vector, which is nearly orthogonal to real text.
    assert.deepEqual(vs[0], vs[1]);
    assert.deepEqual(vs[0], vs[4]);
    const real = await e.embedQuery('project management basics');
    assert.ok(Math.abs(dot(vs[0], real)) < 0.2);
    // Emoji are tokens of their own, so they are not the empty vector.
    assert.notDeepEqual(vs[2], vs[0]);
    // Non-Latin scripts are tokenised: a near-duplicate is closer than another script's text.
    const [zh1, zh2, ru] = await e.embedDocuments(['机器学习入门课程', '机器学习入门', 'Обучение машинному обучению']);
    assert.ok(dot(zh1, zh2) > dot(zh1, ru));
  });

  it('tokenises Unicode text and strips common English suffixes', () => {
    assert.deepEqual(tokenize("Don't PANIC: Café-Naïve 42 déjà-vu, 機械学習!"), [
      'don',
      't',
      'panic',
      'café',
      'naïve',
      '42',
      'déjà',
      'vu',
      '機械学習',
    ]);
    assert.deepEqual(tokenize('मशीन लर्निंग'), ['मशीन', 'लर्निंग']);
    assert.equal(stem('meetings'), stem('meeting'));
    assert.equal(stem('managed'), stem('managing'));
    assert.equal(stem('manages'), stem('manage'));
    assert.equal(stem('planned'), stem('planning'));
    assert.equal(stem('studies'), stem('study'));
    assert.equal(stem('process'), 'process');
    assert.equal(stem('analysis'), 'analysis');
  });

  it('puts a paraphrase closer than an unrelated sentence', async () => {
    const [q, para, other] = await e.embedDocuments([
      'How do I give feedback to a colleague?',
      'Tips for offering constructive criticism to a coworker.',
      'Pandas can merge two data frames on a shared column.',
    ]);
    assert.ok(dot(q, para) > dot(q, other), `${dot(q, para)} <= ${dot(q, other)}`);
  });

  it('retrieves paraphrases with MRR >= 0.85', async () => {
    const mrr = await meanReciprocalRank(e, PARAPHRASE_PAIRS);
    const hashOnly = await meanReciprocalRank(new LocalEmbeddings({ useGlove: false }), PARAPHRASE_PAIRS);
    assert.ok(mrr >= 0.85, `MRR ${mrr.toFixed(3)} < 0.85`);
    assert.ok(mrr > hashOnly, 'the GloVe block should help');
  });

  it('keeps its (low) MRR on the hard, no-shared-words paraphrase set', async () => {
    const mrr = await meanReciprocalRank(e, HARD_PARAPHRASE_PAIRS);
    assert.ok(mrr >= 0.4, `MRR ${mrr.toFixed(3)} < 0.4`);
  });

  it('keeps the ranking in its sign bits (the binary-quantized index searches those), unlike its unrotated layout', async () => {
    // Hamming distance of the bit strings binary_quantize() makes (1 where a coordinate is > 0).
    const bits = (v: number[]) => v.map((x) => x > 0);
    const hamming = (a: boolean[], b: boolean[]) => a.reduce((n, x, i) => n + (x === b[i] ? 0 : 1), 0);
    const passages = PARAPHRASE_PAIRS.map(([, d]) => d);
    // How often a question's own passage is among the 5 passages nearest by Hamming distance.
    const recallAt5 = (embed: (t: string) => number[]) => {
      const docs = passages.map((d) => bits(embed(d)));
      let hits = 0;
      PARAPHRASE_PAIRS.forEach(([q], i) => {
        const qb = bits(embed(q));
        const order = docs.map((d, j) => ({ j, h: hamming(qb, d) })).sort((x, y) => x.h - y.h || x.j - y.j);
        if (order.slice(0, 5).some((o) => o.j === i)) hits++;
      });
      return hits / PARAPHRASE_PAIRS.length;
    };
    const rotated = recallAt5((t) => e.embedSync(t));
    const layout = recallAt5((t) => e.features(t));
    assert.ok(rotated >= 0.9, `sign bits of the rotated vectors: recall@5 ${rotated}`);
    assert.ok(layout < rotated, `the unrotated layout's bits should rank worse (${layout} vs ${rotated})`);
    // The rotation changes no cosine.
    const [a, b] = [e.features(passages[0]), e.features(passages[1])];
    assert.ok(Math.abs(dot(a, b) - dot(e.embedSync(passages[0]), e.embedSync(passages[1]))) < 1e-12);
  });

  it('falls back to hash features, warning once, when the table is missing', async () => {
    const warnings: string[] = [];
    const missing = path.join(os.tmpdir(), `no-such-glove-${process.pid}.bin`);
    const f = new LocalEmbeddings({ tablePath: missing, onWarning: (m) => warnings.push(m) });
    const vs = await f.embedDocuments(['first text', 'second text', '']);
    await f.embedQuery('third text');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /GloVe table unavailable/);
    assert.equal(f.embedderId, LOCAL_HASH_EMBEDDER_ID);
    for (const v of vs) {
      assert.equal(v.length, 1536);
      assert.ok(Math.abs(norm(v) - 1) < 1e-9);
    }
    // Without GloVe the last 100 dimensions of the (unrotated) layout stay empty.
    for (const t of ['first text', 'second text', ''])
      assert.ok(
        f
          .features(t)
          .slice(1436)
          .every((x) => x === 0),
      );
    // Same as explicitly disabling GloVe.
    assert.deepEqual(vs[0], await new LocalEmbeddings({ useGlove: false }).embedQuery('first text'));
  });

  it('rejects a corrupt table without crashing', async () => {
    const bad = path.join(os.tmpdir(), `bad-glove-${process.pid}.bin`);
    fs.writeFileSync(bad, 'not a table');
    try {
      const warnings: string[] = [];
      const v = await new LocalEmbeddings({ tablePath: bad, onWarning: (m) => warnings.push(m) }).embedQuery('hello world');
      assert.equal(v.length, 1536);
      assert.equal(warnings.length, 1);
    } finally {
      fs.rmSync(bad, { force: true });
    }
  });

  it('embeds 1,000 passages of ~800 characters in one call', async () => {
    const words = PARAPHRASE_PAIRS.flat().join(' ').split(/\s+/);
    const passages: string[] = [];
    for (let i = 0; i < 1000; i++) {
      let p = '';
      for (let j = i * 7; p.length < 800; j += 3) p += `${words[j % words.length]} `;
      passages.push(p.slice(0, 800));
    }
    const vs = await e.embedDocuments(passages);
    assert.equal(vs.length, 1000);
    assert.ok(
      vs.every((v) => v.length === vs[0].length && v.some((x) => x !== 0)),
      'one full vector per passage',
    );
  });
});
