// Front matter `skill` / `course` names to the catalogue's ids, so ingested content links to them.

import type { DataSource } from 'typeorm';
import { inServiceScope } from '../db/user-scope';

/** Skill names and course titles (normalised) to their ids; the oldest row wins a duplicate name. */
export type Catalogue = { skills: Map<string, string>; courses: Map<string, string> };

export async function loadCatalogue(ds: DataSource): Promise<Catalogue> {
  return inServiceScope(ds, async (m) => {
    const skills: Array<{ id: string; name: string }> = await m.query(`SELECT id, name FROM skills ORDER BY created_at, id`);
    const courses: Array<{ id: string; title: string }> = await m.query(`SELECT id, title FROM courses ORDER BY created_at, id`);
    const byKey = <T>(rows: T[], key: (r: T) => string, id: (r: T) => string) => {
      const map = new Map<string, string>();
      for (const r of rows) if (!map.has(nameKey(key(r)))) map.set(nameKey(key(r)), id(r));
      return map;
    };
    return {
      skills: byKey(
        skills,
        (s) => s.name,
        (s) => s.id,
      ),
      courses: byKey(
        courses,
        (c) => c.title,
        (c) => c.id,
      ),
    };
  });
}

/** Front matter `skill` (a skill name) and `course` (a course title) to skill_id / course_id, case-insensitively. */
export function resolveCatalogueLinks(
  meta: Record<string, unknown>,
  catalogue: Catalogue,
  rel: string,
): { ids: Record<string, string>; warnings: string[] } {
  const ids: Record<string, string> = {};
  const warnings: string[] = [];
  const link = (field: 'skill' | 'course', idField: string, table: Map<string, string>, what: string) => {
    const value = meta[field];
    if (value === undefined || value === null || value === '') return;
    if (typeof value !== 'string') {
      warnings.push(`${rel}: front matter "${field}" should be one ${what} as text; it was stored as given, without ${idField}.`);
      return;
    }
    const id = table.get(nameKey(value));
    if (id) ids[idField] = id;
    else
      warnings.push(
        `${rel}: no ${what} named "${value}" in the database; the name was kept but the content is not linked (${idField} not set).`,
      );
  };
  link('skill', 'skill_id', catalogue.skills, 'skill');
  link('course', 'course_id', catalogue.courses, 'course');
  return { ids, warnings };
}

function nameKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}
