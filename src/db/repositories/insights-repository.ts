import type { EntityManager } from 'typeorm';

/**
 * The admin insights (/admin): aggregates over chat_messages, users and learning_content for a date range.
 * They read every person's turns, so callers run them in the service scope (inServiceScope) after checking
 * that the viewer is an admin. Range bounds: `from` inclusive, `toExclusive` exclusive, on created_at.
 */
export interface InsightsRange {
  from: Date;
  toExclusive: Date;
}

/** Below this confidence an answer counts as a content gap (as does any 👎). */
export const LOW_CONFIDENCE = 0.5;

/** Confidence histogram: ten buckets of 0.1; bucket 9 holds [0.9, 1]. */
export const CONFIDENCE_BUCKETS = 10;

// A chunk's title is its document's title plus " (part i/n)" (ingest/chunk-document.ts); the document is what people recognise.
const DOC_TITLE = (title: string) => `regexp_replace(${title}, '\\s*\\(part \\d+/\\d+\\)$', '')`;
// sources is a JSON array of SourceRef ({n, id, title, ...}) in retrieval order, cited ones only; anything else counts as none.
const SOURCES = `CASE WHEN jsonb_typeof(cm.sources) = 'array' THEN cm.sources ELSE '[]'::jsonb END`;
const IN_RANGE = `cm.created_at >= $1 AND cm.created_at < $2`;

export interface DailyChannelRow {
  /** YYYY-MM-DD (UTC) */
  day: string;
  /** 'slack' | 'teams' | 'web' | 'console', or 'unknown' for turns logged before channels were recorded */
  channel: string;
  questions: number;
}

export async function questionsPerDay(m: EntityManager, r: InsightsRange): Promise<DailyChannelRow[]> {
  // Grouped by the date itself and formatted afterwards: formatting every row costs more than the grouping.
  return m.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, channel, questions FROM (
       SELECT (cm.created_at AT TIME ZONE 'UTC')::date AS day, coalesce(cm.channel, 'unknown') AS channel, count(*)::int AS questions
         FROM chat_messages cm WHERE ${IN_RANGE} GROUP BY 1, 2) d
      ORDER BY d.day, channel`,
    [r.from, r.toExclusive],
  );
}

export interface ConfidenceRow {
  /** 0..9: [bucket/10, (bucket+1)/10), the last one including 1 */
  bucket: number;
  questions: number;
}

export interface ConfidenceDistribution {
  buckets: ConfidenceRow[];
  /** turns logged without a confidence */
  unknown: number;
}

export async function confidenceDistribution(m: EntityManager, r: InsightsRange): Promise<ConfidenceDistribution> {
  const rows: Array<{ bucket: number | null; questions: number }> = await m.query(
    `SELECT CASE WHEN cm.confidence IS NULL THEN NULL
                 ELSE least(greatest(floor(cm.confidence * ${CONFIDENCE_BUCKETS}), 0), ${CONFIDENCE_BUCKETS - 1})::int END AS bucket,
            count(*)::int AS questions
       FROM chat_messages cm WHERE ${IN_RANGE} GROUP BY 1`,
    [r.from, r.toExclusive],
  );
  const buckets = Array.from({ length: CONFIDENCE_BUCKETS }, (_, bucket) => ({
    bucket,
    questions: rows.find((x) => x.bucket === bucket)?.questions ?? 0,
  }));
  return { buckets, unknown: rows.find((x) => x.bucket === null)?.questions ?? 0 };
}

export interface FeedbackSummary {
  questions: number;
  /** turns with a 👍 or 👎 */
  withFeedback: number;
  up: number;
  down: number;
}

export async function feedbackSummary(m: EntityManager, r: InsightsRange): Promise<FeedbackSummary> {
  const [row] = await m.query(
    `SELECT count(*)::int AS questions, count(cm.feedback)::int AS "withFeedback",
            count(*) FILTER (WHERE cm.feedback = 1)::int AS up, count(*) FILTER (WHERE cm.feedback = -1)::int AS down
       FROM chat_messages cm WHERE ${IN_RANGE}`,
    [r.from, r.toExclusive],
  );
  return row;
}

export interface GapRow {
  /**
   * 'source': answers whose first cited source is this document (topic = its title);
   * 'term': answers citing nothing, grouped by the word stem they share with the most other such gaps (topic = the stem);
   * 'none': answers citing nothing whose question has no significant word.
   */
  kind: 'source' | 'term' | 'none';
  topic: string;
  questions: number;
  lowConfidence: number;
  thumbsDown: number;
  /** up to `examples` question texts, newest first */
  examples: string[];
}

/**
 * Content gaps: turns answered with confidence < LOW_CONFIDENCE or given a 👎, grouped by topic (see GapRow.kind).
 * Stems come from PostgreSQL's English text search (stop words dropped), so "policies" and "policy" meet as "polici";
 * they are stored with the turn (chat_messages.question_tsv, migration QuestionStems).
 */
export async function contentGaps(m: EntityManager, r: InsightsRange, opts: { limit: number | null; examples: number }): Promise<GapRow[]> {
  // The examples' ordered aggregate sorts every gap with its question text: at 100k turns (40k gaps) that
  // spilled to disk with the default 4 MB. For the rest of the caller's transaction only.
  await m.query(`SET LOCAL work_mem = '32MB'`);
  return m.query(
    `WITH gaps AS (
       SELECT cm.id, cm.message, cm.question_tsv, cm.created_at, cm.confidence < $3 AS low, cm.feedback = -1 AS down,
              nullif(btrim((${SOURCES})->0->>'title'), '') AS source_title
         FROM chat_messages cm
        WHERE ${IN_RANGE} AND (cm.confidence < $3 OR cm.feedback = -1)),
     terms AS (
       SELECT g.id, t.lexeme FROM gaps g CROSS JOIN LATERAL unnest(g.question_tsv) t
        WHERE g.source_title IS NULL),
     df AS (SELECT lexeme, count(*) AS n FROM terms GROUP BY lexeme),
     -- Each question's most shared stem, ties to the first in byte order: two hash aggregations rather than
     -- DISTINCT ON, which sorts every (question, stem) pair by the database's collation (1.1 s vs 0.9 s in the bench).
     best AS (SELECT t.id, max(df.n) AS n FROM terms t JOIN df USING (lexeme) GROUP BY t.id),
     picked AS (
       SELECT t.id, min(t.lexeme COLLATE "C") AS lexeme
         FROM terms t JOIN df USING (lexeme) JOIN best b ON b.id = t.id AND b.n = df.n GROUP BY t.id),
     -- First by the chunk's title as logged, then (below) by its document: the part suffix is stripped once
     -- per chunk title instead of once per turn (per turn it added ~0.4 s of wall time to the bench's 40k gaps).
     by_chunk AS (
       SELECT CASE WHEN g.source_title IS NOT NULL THEN 'source' WHEN p.lexeme IS NOT NULL THEN 'term' ELSE 'none' END AS kind,
              coalesce(g.source_title, p.lexeme, '') AS raw_topic, count(*) AS questions,
              count(*) FILTER (WHERE g.low) AS low, count(*) FILTER (WHERE g.down) AS down,
              (array_agg(g.message ORDER BY g.created_at DESC, g.id))[1:$4::int] AS examples,
              (array_agg(g.created_at ORDER BY g.created_at DESC, g.id))[1:$4::int] AS example_times
         FROM gaps g LEFT JOIN picked p ON p.id = g.id GROUP BY 1, 2),
     topics AS (
       SELECT kind, CASE WHEN kind = 'source' THEN btrim(${DOC_TITLE('raw_topic')}) ELSE raw_topic END AS topic, questions, low, down,
              examples, example_times
         FROM by_chunk),
     totals AS (
       SELECT kind, topic, sum(questions)::int AS questions, sum(low)::int AS "lowConfidence", sum(down)::int AS "thumbsDown"
         FROM topics GROUP BY 1, 2),
     examples AS (
       SELECT kind, topic, (array_agg(e.example ORDER BY e.at DESC, e.example))[1:$4::int] AS examples
         FROM topics CROSS JOIN LATERAL unnest(examples, example_times) AS e(example, at) GROUP BY 1, 2)
     SELECT t.kind, t.topic, t.questions, t."lowConfidence", t."thumbsDown", coalesce(x.examples, '{}') AS examples
       FROM totals t LEFT JOIN examples x USING (kind, topic)
      ORDER BY t.questions DESC, t.topic, t.kind
      LIMIT $5::int`,
    [r.from, r.toExclusive, LOW_CONFIDENCE, opts.examples, opts.limit],
  );
}

export interface CitedContentRow {
  /** the document: its source path, or for content without one its title */
  document: string;
  title: string;
  /**
   * citations of its chunks by turns in the range; an answer citing two parts of the document counts twice
   * (counting distinct turns per document instead sorts every citation: 3-5x slower at 100k turns)
   */
  citations: number;
  /** false when every cited chunk has since been deleted (the title then comes from the logged source) */
  present: boolean;
}

export interface NeverCitedRow {
  document: string;
  title: string;
  chunks: number;
}

export interface ContentCitations {
  /** documents by citations, most first (at most `top`) */
  cited: CitedContentRow[];
  /** documents in learning_content none of whose chunks a turn in the range cited, by title (at most `never`) */
  neverCited: NeverCitedRow[];
  /** how many documents were never cited in all */
  neverCitedTotal: number;
}

/** Cited and never cited documents from one pass over the range's sources (null limits: all). */
export async function contentCitations(
  m: EntityManager,
  r: InsightsRange,
  limits: { top: number | null; never: number | null },
): Promise<ContentCitations> {
  // One row per listed document, and a 'total' row whose citations column counts the never cited documents.
  const rows: Array<{
    list: 'cited' | 'never' | 'total';
    document: string;
    title: string;
    chunks: number;
    citations: number;
    present: boolean;
  }> = await m.query(
    `WITH per_chunk AS (
         SELECT s->>'id' AS id, min(s->>'title') AS logged_title, count(*) AS n
           FROM chat_messages cm CROSS JOIN LATERAL jsonb_array_elements(${SOURCES}) s
          WHERE ${IN_RANGE} AND jsonb_typeof(s) = 'object' GROUP BY 1),
       docs AS (
         SELECT coalesce(lc.source_path, ${DOC_TITLE('coalesce(lc.title, p.logged_title)')}) AS document,
                ${DOC_TITLE('min(coalesce(lc.title, p.logged_title))')} AS title,
                count(lc.id)::int AS chunks, coalesce(sum(p.n), 0)::int AS citations, bool_or(lc.id IS NOT NULL) AS present
           FROM learning_content lc FULL JOIN per_chunk p ON p.id = lc.id GROUP BY 1),
       ranked AS (
         SELECT d.*, CASE WHEN citations > 0 THEN 'cited' ELSE 'never' END AS list,
                row_number() OVER (PARTITION BY citations > 0 ORDER BY citations DESC, title, document) AS ord
           FROM docs d)
       SELECT list, document, title, chunks, citations, present, ord FROM ranked
        WHERE (list = 'cited' AND ord <= coalesce($3::int, ord)) OR (list = 'never' AND ord <= coalesce($4::int, ord))
       UNION ALL
       SELECT 'total', NULL, NULL, NULL, (SELECT count(*) FROM docs WHERE citations = 0)::int, NULL, 0
        ORDER BY list, ord`,
    [r.from, r.toExclusive, limits.top, limits.never],
  );
  const never = rows.filter((x) => x.list === 'never');
  return {
    cited: rows
      .filter((x) => x.list === 'cited')
      .map(({ document, title, citations, present }) => ({ document, title, citations, present })),
    neverCited: never.map(({ document, title, chunks }) => ({ document, title, chunks })),
    neverCitedTotal: rows.find((x) => x.list === 'total')?.citations ?? 0,
  };
}

export interface DepartmentAdoptionRow {
  /** null: people without a department */
  department: string | null;
  users: number;
  /** people who asked at least one question in the range */
  activeUsers: number;
  questions: number;
}

export async function adoptionByDepartment(m: EntityManager, r: InsightsRange): Promise<DepartmentAdoptionRow[]> {
  return m.query(
    `WITH asked AS (SELECT cm.user_id, count(*) AS n FROM chat_messages cm WHERE ${IN_RANGE} GROUP BY cm.user_id)
     SELECT nullif(btrim(u.department), '') AS department, count(*)::int AS users, count(a.user_id)::int AS "activeUsers",
            coalesce(sum(a.n), 0)::int AS questions
       FROM users u LEFT JOIN asked a ON a.user_id = u.id
      GROUP BY 1 ORDER BY 1 NULLS LAST`,
    [r.from, r.toExclusive],
  );
}

export interface QuestionLogRow {
  created_at: Date;
  channel: string | null;
  department: string | null;
  message: string;
  confidence: number | null;
  feedback: number | null;
  /** title of the first cited source, if any */
  top_source: string | null;
}

/** Every question of the range, oldest first (the CSV export; only admins get it). */
export async function questionLog(m: EntityManager, r: InsightsRange): Promise<QuestionLogRow[]> {
  return m.query(
    `SELECT cm.created_at, cm.channel, u.department, cm.message, cm.confidence, cm.feedback,
            (${SOURCES})->0->>'title' AS top_source
       FROM chat_messages cm JOIN users u ON u.id = cm.user_id
      WHERE ${IN_RANGE} ORDER BY cm.created_at, cm.id`,
    [r.from, r.toExclusive],
  );
}
