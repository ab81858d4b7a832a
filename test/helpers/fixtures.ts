import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { vectorLiteral } from '../../src/ai/embedding-provider';

/** Rows made as the owner (no RLS), each with unique values so suites sharing a database never collide. */
export async function makeUser(ds: DataSource, fields: { name?: string; department?: string; role?: string } = {}): Promise<string> {
  const id = randomUUID();
  await ds.query(`INSERT INTO users (id, email, name, department, role) VALUES ($1, $2, $3, $4, $5)`, [
    id,
    `${id}@example.test`,
    fields.name ?? `User ${id.slice(0, 6)}`,
    fields.department ?? null,
    fields.role ?? null,
  ]);
  return id;
}

/** A 1536-dim unit vector pointing mostly along axis `axis`, tilted towards `towards` by `tilt`. */
export function axisVector(axis: number, towards?: number, tilt = 0): number[] {
  const v = new Array(1536).fill(0);
  v[axis] = 1;
  if (towards !== undefined) v[towards] = tilt;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** The vector literal the app writes (pgvector's toSql). */
export const toSql = vectorLiteral;

export async function makeContent(
  ds: DataSource,
  fields: { title?: string; content?: string; contentType?: string; embedding?: number[] | null; metadata?: object },
): Promise<string> {
  const id = randomUUID();
  await ds.query(
    `INSERT INTO learning_content (id, title, content, content_type, embedding, metadata, embedding_model) VALUES ($1, $2, $3, $4, $5::vector, $6, CASE WHEN $5::vector IS NULL THEN NULL ELSE 'test' END)`,
    [
      id,
      fields.title ?? `Item ${id.slice(0, 6)}`,
      fields.content ?? 'Some learning content.',
      fields.contentType ?? 'tutorial',
      fields.embedding ? toSql(fields.embedding) : null,
      fields.metadata ? JSON.stringify(fields.metadata) : null,
    ],
  );
  return id;
}
