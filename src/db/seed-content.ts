// The catalogue part of the learning content: one learning_content row per skill and course, kept in
// step with the skills and courses tables (without vectors: the seeding in src/ingest embeds them).
// Repository code only: the seeding that embeds and ingests is src/ingest/seed-learning-content.ts.

import { isDeepStrictEqual } from 'node:util';
import type { DataSource, EntityManager } from 'typeorm';
import { chunkHash } from './content-hash';
import { inServiceScope } from './user-scope';

export const CATALOG_SOURCE_SERVICE = 'catalog';

/** What syncCatalogue changed. */
export interface CatalogueSyncResult {
  /** Catalogue rows inserted (one per skill and course that had none). */
  catalogAdded: number;
  /** Catalogue rows whose text changed with the catalogue (re-embedded) or whose metadata was refreshed. */
  catalogUpdated: number;
  /** Catalogue rows whose skill or course no longer exists. */
  catalogRemoved: number;
}

/** One learning_content row describing a skill or a course. */
export interface CatalogueEntry {
  sourcePath: string;
  contentType: 'skill' | 'course';
  title: string;
  content: string;
  metadata: Record<string, unknown>;
}

interface SkillRow {
  id: string;
  name: string;
  description: string | null;
  category: string | null;
  level: number | null;
}
interface CourseRow {
  id: string;
  title: string;
  description: string | null;
  duration: number | null;
  difficulty: string | null;
  learning_objectives: string[] | null;
}

/** Brings the catalogue rows in line with the skills and courses, as the service role, in one transaction. */
export function syncCatalogueContent(ds: DataSource): Promise<CatalogueSyncResult> {
  return inServiceScope(ds, (m) => syncCatalogue(m));
}

/** The learning_content rows the current skills and courses should have. */
export function catalogueEntries(skills: SkillRow[], courses: CourseRow[]): CatalogueEntry[] {
  const entries: CatalogueEntry[] = [];
  for (const s of skills) {
    const parts = [
      sentence(s.description),
      s.category ? `Category: ${s.category}.` : '',
      s.level != null ? `Level: ${s.level}.` : '',
    ].filter(Boolean);
    entries.push({
      sourcePath: `catalog:skill:${s.id}`,
      contentType: 'skill',
      title: s.name,
      content: parts.length ? parts.join(' ') : `The ${s.name} skill.`,
      metadata: { skill_id: s.id },
    });
  }
  for (const c of courses) {
    const objectives = (c.learning_objectives ?? []).map((o) => o.trim()).filter(Boolean);
    const parts = [
      sentence(c.description),
      c.difficulty ? `Difficulty: ${c.difficulty}.` : '',
      c.duration != null && c.duration > 0 ? `Duration: ${formatMinutes(c.duration)}.` : '',
      objectives.length ? `Learning objectives: ${objectives.join('; ')}.` : '',
    ].filter(Boolean);
    entries.push({
      sourcePath: `catalog:course:${c.id}`,
      contentType: 'course',
      title: c.title,
      content: parts.length ? parts.join(' ') : `The ${c.title} course.`,
      metadata: { course_id: c.id, difficulty: c.difficulty },
    });
  }
  return entries;
}

/**
 * Inserts missing catalogue rows (without a vector: embedMissing does that), rewrites those whose
 * text changed (and drops their now stale vector), refreshes changed metadata and deletes rows of
 * skills/courses that are gone.
 */
async function syncCatalogue(m: EntityManager): Promise<CatalogueSyncResult> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('seed:catalog', 0))`);
  const skills: SkillRow[] = await m.query(`SELECT id, name, description, category, level FROM skills ORDER BY id`);
  const courses: CourseRow[] = await m.query(
    `SELECT id, title, description, duration, difficulty, learning_objectives FROM courses ORDER BY id`,
  );
  const stored: Array<{
    id: string;
    source_path: string;
    content_hash: string | null;
    metadata: unknown;
    content_type: string;
    source_service: string | null;
  }> = await m.query(`SELECT id, source_path, content_hash, metadata, content_type, source_service FROM learning_content
                    WHERE source_path LIKE 'catalog:skill:%' OR source_path LIKE 'catalog:course:%' ORDER BY created_at, id`);
  const byPath = new Map<string, typeof stored>();
  for (const r of stored) byPath.set(r.source_path, [...(byPath.get(r.source_path) ?? []), r]);

  let catalogAdded = 0;
  let catalogUpdated = 0;
  const remove: string[] = [];
  for (const e of catalogueEntries(skills, courses)) {
    const hash = chunkHash(e.title, e.content);
    const [row, ...duplicates] = byPath.get(e.sourcePath) ?? [];
    byPath.delete(e.sourcePath);
    remove.push(...duplicates.map((d) => d.id));
    if (!row) {
      await m.query(
        `INSERT INTO learning_content (title, content, content_type, metadata, source_service, source_path, content_hash)
                     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)`,
        [e.title, e.content, e.contentType, JSON.stringify(e.metadata), CATALOG_SOURCE_SERVICE, e.sourcePath, hash],
      );
      catalogAdded++;
    } else if (row.content_hash !== hash) {
      await m.query(
        `UPDATE learning_content SET title = $2, content = $3, content_type = $4, metadata = $5::jsonb, source_service = $6,
                       content_hash = $7, embedding = NULL, embedding_model = NULL WHERE id = $1`,
        [row.id, e.title, e.content, e.contentType, JSON.stringify(e.metadata), CATALOG_SOURCE_SERVICE, hash],
      );
      catalogUpdated++;
    } else if (
      !isDeepStrictEqual(row.metadata, e.metadata) ||
      row.content_type !== e.contentType ||
      row.source_service !== CATALOG_SOURCE_SERVICE
    ) {
      await m.query(`UPDATE learning_content SET metadata = $2::jsonb, content_type = $3, source_service = $4 WHERE id = $1`, [
        row.id,
        JSON.stringify(e.metadata),
        e.contentType,
        CATALOG_SOURCE_SERVICE,
      ]);
      catalogUpdated++;
    }
  }
  // Whatever is left belongs to a skill or course that no longer exists.
  for (const rows of byPath.values()) remove.push(...rows.map((r) => r.id));
  if (remove.length) await m.query(`DELETE FROM learning_content WHERE id = ANY($1::text[])`, [remove]);
  return { catalogAdded, catalogUpdated, catalogRemoved: remove.length };
}

function sentence(text: string | null | undefined): string {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  if (!t) return '';
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** Course durations are minutes: 480 -> "8 hours", 90 -> "1 hour 30 minutes". */
export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  return [h ? part(h, 'hour') : '', m ? part(m, 'minute') : ''].filter(Boolean).join(' ');
}
