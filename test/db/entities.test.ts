import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { vectorLiteral } from '../../src/ai/embedding-provider';
import type { AppDataSource } from '../../src/db/data-source';
import {
  ChatMessage,
  ENTITIES,
  LearningContent,
  LearningContentStats,
  LearningContentTerm,
  ProcessedEvent,
  Skill,
  vectorTransformer,
} from '../../src/db/entities';
import { forEachBackend } from '../helpers/databases';
import { makeUser } from '../helpers/fixtures';

/**
 * Tables without a primary key constraint, and the columns their entity uses as its identity instead
 * (TypeORM requires one). learning_content_terms lost its key in FastRetrieval; (lexeme, content_id) is
 * unique by construction.
 */
const IDENTITY_WITHOUT_CONSTRAINT: Record<string, string[]> = { learning_content_terms: ['content_id', 'lexeme'] };

/** A column as the schema comparison sees it: same rendering on both sides. */
interface ColumnShape {
  type: string;
  nullable: boolean;
  default: string | null;
  generated: boolean;
}
interface TableShape {
  columns: Map<string, ColumnShape>;
  primaryKey: string[];
}

/** Defaults as PostgreSQL prints them and as TypeORM renders them differ in parentheses, quotes and a trailing cast. */
const normalizeDefault = (d: string | null | undefined): string | null =>
  d == null
    ? null
    : d
        .replace(/[()'\s]/g, '')
        .replace(/::[a-z]+(\[\])?$/i, '')
        .toLowerCase();

/**
 * Every base table of the public schema (except TypeORM's migrations table) with its columns, read from
 * information_schema: data_type for built-in types, the element type plus [] for arrays, udt_name plus
 * its type modifier for extension types (vector(1536)), lengths and numeric precision where declared.
 */
async function readDatabase(m: Pick<EntityManager, 'query'>, migrationsTable: string): Promise<Map<string, TableShape>> {
  const rows: Array<{
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    is_nullable: 'YES' | 'NO';
    column_default: string | null;
    character_maximum_length: number | null;
    numeric_precision: number | null;
    numeric_scale: number | null;
    is_generated: string;
    typmod: number;
    element_type: string | null;
    element_length: number | null;
  }> = await m.query(
    `
    SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable, c.column_default,
           c.character_maximum_length, c.numeric_precision, c.numeric_scale, c.is_generated,
           a.atttypmod AS typmod, e.data_type AS element_type, e.character_maximum_length AS element_length
      FROM information_schema.tables t
      JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
      JOIN pg_catalog.pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
      LEFT JOIN information_schema.element_types e
        ON (e.object_catalog, e.object_schema, e.object_name, e.object_type, e.collection_type_identifier)
         = (c.table_catalog, c.table_schema, c.table_name, 'TABLE', c.dtd_identifier)
     WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND t.table_name <> $1
     ORDER BY c.table_name, c.ordinal_position`,
    [migrationsTable],
  );
  const keys: Array<{ table_name: string; column_name: string }> = await m.query(`
    SELECT k.table_name, k.column_name
      FROM information_schema.table_constraints tc
      JOIN information_schema.key_column_usage k
        ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name
     WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY'`);

  const tables = new Map<string, TableShape>();
  for (const r of rows) {
    let type: string;
    if (r.data_type === 'ARRAY') type = `${r.element_type}${r.element_length ? `(${r.element_length})` : ''}[]`;
    else if (r.data_type === 'USER-DEFINED') type = `${r.udt_name}${r.typmod > 0 ? `(${r.typmod})` : ''}`;
    else if (r.character_maximum_length) type = `${r.data_type}(${r.character_maximum_length})`;
    else if (r.data_type === 'numeric' && r.numeric_precision != null) type = `numeric(${r.numeric_precision},${r.numeric_scale ?? 0})`;
    else type = r.data_type;
    const table = tables.get(r.table_name) ?? { columns: new Map(), primaryKey: [] };
    table.columns.set(r.column_name, {
      type,
      nullable: r.is_nullable === 'YES',
      default: normalizeDefault(r.column_default),
      generated: r.is_generated === 'ALWAYS',
    });
    tables.set(r.table_name, table);
  }
  for (const k of keys) tables.get(k.table_name)?.primaryKey.push(k.column_name);
  for (const [name, t] of tables) {
    t.primaryKey.sort();
    if (t.primaryKey.length === 0 && IDENTITY_WITHOUT_CONSTRAINT[name]) t.primaryKey = [...IDENTITY_WITHOUT_CONSTRAINT[name]].sort();
  }
  return tables;
}

/** The same shape from the registered entities, with TypeORM's own type normalisation (timestamptz -> timestamp with time zone, ...). */
function readEntities(ds: DataSource): Map<string, TableShape> {
  const tables = new Map<string, TableShape>();
  for (const meta of ds.entityMetadatas) {
    assert.equal(tables.has(meta.tableName), false, `two entities map to ${meta.tableName}`);
    const columns = new Map<string, ColumnShape>();
    for (const col of meta.columns) {
      columns.set(col.databaseName, {
        type: entityType(ds, col),
        nullable: col.isNullable,
        default: normalizeDefault(ds.driver.normalizeDefault(col)),
        // A column PostgreSQL generates is read-only in its entity (see LearningContent.search_tsv).
        generated: !col.isInsert && !col.isUpdate,
      });
    }
    tables.set(meta.tableName, { columns, primaryKey: meta.primaryColumns.map((c) => c.databaseName).sort() });
  }
  return tables;
}

function entityType(ds: DataSource, col: ColumnMetadata): string {
  const base = ds.driver.normalizeType(col);
  let type = base;
  if (col.length) type += `(${col.length})`;
  else if (base === 'numeric' && col.precision != null) type += `(${col.precision},${col.scale ?? 0})`;
  return col.isArray ? `${type}[]` : type;
}

/** Every difference, one readable line each; [] when entities and schema agree. */
function differences(db: Map<string, TableShape>, entities: Map<string, TableShape>): string[] {
  const out: string[] = [];
  for (const [table, t] of db) {
    const e = entities.get(table);
    if (!e) {
      out.push(`table ${table}: no entity`);
      continue;
    }
    if (t.primaryKey.join() !== e.primaryKey.join())
      out.push(`${table}: primary key (${t.primaryKey}) in the database, (${e.primaryKey}) in the entity`);
    for (const [name, c] of t.columns) {
      const ec = e.columns.get(name);
      if (!ec) {
        out.push(`${table}.${name}: missing from the entity`);
        continue;
      }
      for (const k of ['type', 'nullable', 'default', 'generated'] as const) {
        if (c[k] !== ec[k])
          out.push(`${table}.${name}: ${k} ${JSON.stringify(c[k])} in the database, ${JSON.stringify(ec[k])} in the entity`);
      }
    }
    for (const name of e.columns.keys()) if (!t.columns.has(name)) out.push(`${table}.${name}: in the entity, not in the database`);
  }
  for (const table of entities.keys()) if (!db.has(table)) out.push(`entity for ${table}: no such table`);
  return out;
}

forEachBackend('TypeORM entities', (backend) => {
  let ds: AppDataSource;
  let migrationsTable: string;
  before(async () => {
    ds = await backend.dataSource();
    migrationsTable = ds.options.migrationsTableName ?? 'migrations';
  });

  it('cover every table the migrations create, column for column (name, type, nullability, default, primary key)', async () => {
    const db = await readDatabase(ds, migrationsTable);
    assert.ok(db.size >= 15, `${db.size} tables read`);
    assert.ok(
      db.get('learning_content')?.columns.get('embedding')?.type === 'vector(1536)',
      'the vector column and its dimensions are read',
    );
    assert.deepEqual(differences(db, readEntities(ds)), []);
    assert.equal(ds.entityMetadatas.length, ENTITIES.length, 'every entity is registered');
    assert.equal(ds.options.synchronize, false);
  });

  it('notices a column a migration adds without the entity', async () => {
    const qr = ds.createQueryRunner();
    await qr.startTransaction();
    try {
      await qr.query(`ALTER TABLE chat_messages ADD COLUMN drift_probe TEXT NOT NULL DEFAULT 'x'`);
      await qr.query(`CREATE TABLE drift_probe_table (id INTEGER PRIMARY KEY)`);
      const found = differences(await readDatabase(qr.manager, migrationsTable), readEntities(ds));
      assert.deepEqual(found, ['chat_messages.drift_probe: missing from the entity', 'table drift_probe_table: no entity']);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  });

  it('round-trips rows through Repositories: jsonb, text[], smallint, vector, generated tsvector, composite keys, relations', async () => {
    const userId = await makeUser(ds);
    const created: Array<() => Promise<unknown>> = [];
    try {
      // jsonb and text[] (elements with a comma, quotes and a backslash), generated id and timestamps.
      const skills = ds.getRepository(Skill);
      const metadata = { tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } };
      const prerequisites = ['Basics, part 1', 'say "hi"', 'back\\slash'];
      const skill = await skills.save(skills.create({ name: `Entity skill ${randomUUID()}`, level: 2, prerequisites, metadata }));
      created.push(() => skills.delete(skill.id));
      assert.match(skill.id, /^[0-9a-f-]{36}$/, 'the database default made the id');
      const skillBack = await skills.findOneByOrFail({ id: skill.id });
      assert.deepEqual(
        [skillBack.prerequisites, skillBack.metadata, skillBack.level, skillBack.description],
        [prerequisites, metadata, 2, null],
      );
      assert.ok(skillBack.created_at instanceof Date && skillBack.updated_at instanceof Date);

      // The columns chat_messages gained, and the user relation.
      const messages = ds.getRepository(ChatMessage);
      const sources = [{ id: 'c1', title: 'Doc', score: 0.5 }];
      const msg = await messages.save(
        messages.create({
          user_id: userId,
          message: 'How do I start?',
          response: 'Like this.',
          confidence: 0.75,
          sources,
          processing_time: 12,
          channel: 'slack',
          tenant_id: 'T1',
          conversation_id: 'C1',
          thread_id: '1700000000.000100',
          platform_message_id: '1700000000.000200',
          feedback: -1,
          feedback_at: new Date('2026-01-02T03:04:05.678Z'),
        }),
      );
      const msgBack = await messages.findOneOrFail({ where: { id: msg.id }, relations: { user: true } });
      assert.deepEqual(msgBack.sources, sources);
      assert.equal(msgBack.feedback, -1);
      assert.equal(msgBack.feedback_at?.toISOString(), '2026-01-02T03:04:05.678Z');
      assert.equal(msgBack.user?.id, userId);
      assert.deepEqual(
        [msgBack.channel, msgBack.tenant_id, msgBack.conversation_id, msgBack.thread_id, msgBack.platform_message_id],
        ['slack', 'T1', 'C1', '1700000000.000100', '1700000000.000200'],
      );

      // vector(1536) through the transformer; search_tsv is computed by PostgreSQL and never written.
      const contents = ds.getRepository(LearningContent);
      const embedding = Array.from({ length: 1536 }, (_, i) => (i % 7) / 8 - 0.25);
      const content = await contents.save(
        contents.create({
          title: 'Entity round trip',
          content: 'Pgvector mappings persist embeddings.',
          content_type: 'tutorial',
          embedding,
          embedding_model: 'test',
          metadata: { source: 'entities.test' },
        }),
      );
      created.push(() => contents.delete(content.id));
      const contentBack = await contents.findOneByOrFail({ id: content.id });
      assert.deepEqual(contentBack.embedding, embedding);
      assert.match(contentBack.search_tsv ?? '', /'persist':\d+B/);
      const [same] = await ds.query(
        `SELECT embedding = $1::vector AS equal, vector_dims(embedding) AS dims FROM learning_content WHERE id = $2`,
        [vectorLiteral(embedding), content.id],
      );
      assert.deepEqual(same, { equal: true, dims: 1536 }, 'vectorLiteral and the entity write the same vector');
      contentBack.title = 'Entity round trip, renamed';
      await contents.save(contentBack); // an UPDATE that must leave the generated column alone
      assert.match((await contents.findOneByOrFail({ id: content.id })).search_tsv ?? '', /'renam':\d+A/);
      // The statement triggers indexed it: the postings and the statistics row read through their entities.
      const postings = await ds.getRepository(LearningContentTerm).findBy({ content_id: content.id });
      assert.ok(postings.some((p) => p.lexeme === 'pgvector' && p.tf === 1 && p.doc_len > 0 && p.content_type === 'tutorial'));
      const stats = await ds.getRepository(LearningContentStats).findOneByOrFail({ id: true });
      assert.equal(typeof stats.doc_count, 'number');
      assert.ok(stats.doc_count >= 1 && stats.total_len >= stats.doc_count);

      // A composite primary key.
      const events = ds.getRepository(ProcessedEvent);
      const eventId = `Ev${randomUUID()}`;
      await events.insert({ platform: 'teams', event_id: eventId, job_id: 'job-1' });
      created.push(() => events.delete({ platform: 'teams', event_id: eventId }));
      await events.update({ platform: 'teams', event_id: eventId }, { reply_ref: 'reply-1', replied_at: new Date() });
      const event = await events.findOneByOrFail({ platform: 'teams', event_id: eventId });
      assert.deepEqual(
        [event.job_id, event.reply_ref, event.received_at instanceof Date, event.replied_at instanceof Date],
        ['job-1', 'reply-1', true, true],
      );
    } finally {
      for (const undo of created.reverse()) await undo();
      await ds.query(`DELETE FROM users WHERE id = $1`, [userId]);
    }
  });
});

describe('vector literals (pgvector package)', () => {
  it('writes the text form PostgreSQL reads, the same for raw queries and entities', () => {
    const v = [1, 0.5, -2e-7, 0];
    assert.equal(vectorLiteral(v), '[1,0.5,-2e-7,0]');
    assert.equal(vectorTransformer.to(v), vectorLiteral(v));
    assert.deepEqual(vectorTransformer.from('[1,0.5,-2e-7,0]'), v);
    assert.deepEqual(vectorTransformer.from(v), v, 'an array TypeORM already parsed passes through');
    assert.equal(vectorTransformer.to(null), null);
    assert.equal(vectorTransformer.from(null), null);
  });
});
