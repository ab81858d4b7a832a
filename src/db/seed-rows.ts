import { createHash } from 'node:crypto';

/**
 * The seed rows of the database design (skills, courses, learning content; see README, Database). Ids are derived from the natural key so
 * that inserting them again finds the same rows: db:seed is idempotent and other seeds can refer to them.
 */
export function seedId(kind: string, key: string): string {
  const h = createHash('md5').update(`${kind}:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const SEED_SKILLS = [
  { name: 'Python Programming', description: 'Python programming language skills', category: 'Technical', level: 1 },
  { name: 'Machine Learning', description: 'Machine learning algorithms and techniques', category: 'Technical', level: 2 },
  { name: 'Data Analysis', description: 'Data analysis and visualization skills', category: 'Technical', level: 2 },
  { name: 'Project Management', description: 'Project management methodologies', category: 'Management', level: 1 },
  { name: 'Communication', description: 'Effective communication skills', category: 'Soft Skills', level: 1 },
  { name: 'Leadership', description: 'Leadership and team management', category: 'Management', level: 2 },
].map((s) => ({ id: seedId('skill', s.name), ...s }));

export const SEED_COURSES = [
  {
    title: 'Python Fundamentals',
    description: 'Learn Python programming basics',
    duration: 480,
    difficulty: 'beginner',
    learning_objectives: ['Variables and data types', 'Control structures', 'Functions', 'Modules'],
  },
  {
    title: 'Machine Learning Basics',
    description: 'Introduction to machine learning concepts',
    duration: 720,
    difficulty: 'intermediate',
    learning_objectives: ['Supervised learning', 'Unsupervised learning', 'Model evaluation', 'Feature engineering'],
  },
  {
    title: 'Data Analysis with Python',
    description: 'Data analysis using Python libraries',
    duration: 600,
    difficulty: 'intermediate',
    learning_objectives: ['Pandas basics', 'Data visualization', 'Statistical analysis', 'Data cleaning'],
  },
  {
    title: 'Project Management Fundamentals',
    description: 'Essential project management skills',
    duration: 360,
    difficulty: 'beginner',
    learning_objectives: ['Project planning', 'Risk management', 'Team coordination', 'Timeline management'],
  },
].map((c) => ({ id: seedId('course', c.title), ...c }));

export const SEED_CONTENT = [
  {
    title: 'Python Variables',
    content: 'Variables in Python are containers for storing data values...',
    content_type: 'tutorial',
    source_service: 'content-studio',
    metadata: { difficulty: 'beginner', tags: ['python', 'basics'] },
  },
  {
    title: 'Machine Learning Overview',
    content: 'Machine learning is a subset of artificial intelligence...',
    content_type: 'tutorial',
    source_service: 'content-studio',
    metadata: { difficulty: 'intermediate', tags: ['ml', 'ai'] },
  },
  {
    title: 'Data Visualization Best Practices',
    content: 'Effective data visualization helps communicate insights...',
    content_type: 'reference',
    source_service: 'content-studio',
    metadata: { difficulty: 'intermediate', tags: ['visualization', 'data'] },
  },
  {
    title: 'Project Planning Techniques',
    content: 'Successful project planning involves several key steps...',
    content_type: 'tutorial',
    source_service: 'course-builder',
    metadata: { difficulty: 'beginner', tags: ['project', 'planning'] },
  },
].map((c) => ({ id: seedId('content', c.title), ...c }));

type Run = (sql: string, params: unknown[]) => Promise<unknown>;

/** Inserts the seed rows that are missing; returns how many rows were added. */
export async function insertSeedRows(run: Run): Promise<number> {
  let added = 0;
  const count = (r: unknown) => (Array.isArray(r) && Array.isArray(r[0]) ? r[0].length : Array.isArray(r) ? r.length : 0);
  for (const s of SEED_SKILLS) {
    added += count(
      await run(
        `INSERT INTO skills (id, name, description, category, level) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [s.id, s.name, s.description, s.category, s.level],
      ),
    );
  }
  for (const c of SEED_COURSES) {
    added += count(
      await run(
        `INSERT INTO courses (id, title, description, duration, difficulty, learning_objectives) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [c.id, c.title, c.description, c.duration, c.difficulty, c.learning_objectives],
      ),
    );
  }
  for (const c of SEED_CONTENT) {
    added += count(
      await run(
        `INSERT INTO learning_content (id, title, content, content_type, source_service, metadata) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [c.id, c.title, c.content, c.content_type, c.source_service, JSON.stringify(c.metadata)],
      ),
    );
  }
  return added;
}

export async function deleteSeedRows(run: Run): Promise<void> {
  await run(`DELETE FROM learning_content WHERE id = ANY($1)`, [SEED_CONTENT.map((c) => c.id)]);
  await run(`DELETE FROM courses WHERE id = ANY($1)`, [SEED_COURSES.map((c) => c.id)]);
  await run(`DELETE FROM skills WHERE id = ANY($1)`, [SEED_SKILLS.map((s) => s.id)]);
}
