import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { makeContent, makeUser } from '../../helpers/fixtures';

/**
 * A small hand-made set of turns for the insights, in its own three days of `year` (March 1-3, UTC) so suites
 * sharing a database never count each other's turns. Two turns sit just outside: at 2021-02-28T23:59:59.999Z
 * and at March 4 00:00 (the exclusive end). Titles and departments carry a tag, unique per call.
 */
export interface InsightsDataset {
  tag: string;
  year: number;
  /** the query string's days */
  from: string;
  to: string;
  deptA: string;
  deptB: string;
  users: { a1: string; a2: string; a3: string; b1: string };
  titles: { x: string; y: string; z: string; gone: string };
  paths: { x: string; y: string; z: string };
  questions: { parking: string; garage: string; formula: string; first: string };
}

export async function makeInsightsDataset(ds: DataSource, year: number): Promise<InsightsDataset> {
  const tag = randomUUID().slice(0, 8);
  const deptA = `Insights A ${tag}`;
  const deptB = `Insights B ${tag}`;
  const users = {
    a1: await makeUser(ds, { name: `A1 ${tag}`, department: deptA }),
    a2: await makeUser(ds, { name: `A2 ${tag}`, department: deptA }),
    a3: await makeUser(ds, { name: `A3 ${tag}`, department: deptA }),
    b1: await makeUser(ds, { name: `B1 ${tag}`, department: deptB, role: 'manager' }),
  };
  const titles = { x: `X guide ${tag}`, y: `Y handbook ${tag}`, z: `Z never cited ${tag}`, gone: `Gone page ${tag}` };
  const paths = { x: `insights/${tag}/x.md`, y: `insights/${tag}/y.md`, z: `insights/${tag}/z.md` };
  const chunk = async (title: string, path: string) => {
    const id = await makeContent(ds, { title, content: `About ${title}.` });
    await ds.query(`UPDATE learning_content SET source_path = $2 WHERE id = $1`, [id, path]);
    return id;
  };
  const x1 = await chunk(`${titles.x} (part 1/2)`, paths.x);
  const x2 = await chunk(`${titles.x} (part 2/2)`, paths.x);
  const y = await chunk(titles.y, paths.y);
  const z = await chunk(titles.z, paths.z);
  const src = (n: number, id: string, title: string) => ({ n, id, title, contentType: 'tutorial', similarity: 0.8 });
  const questions = {
    first: `What does the X guide say? ${tag}`,
    // no tag here: it would be a word these two share as much as "parking"
    parking: 'How do I renew my parking permit?',
    garage: 'Where is the parking garage?',
    formula: `=HYPERLINK("http://evil.example") ${tag}`,
  };
  const d = (day: string, time: string) => `${year}-${day}T${time}Z`;
  const turns: Array<[string, string, string, string, number, unknown[], number | null]> = [
    // user, channel, created_at, question, confidence, sources (cited, in retrieval order), feedback
    [users.a1, 'slack', d('03-01', '00:00:00'), questions.first, 0.9, [src(1, x1, `${titles.x} (part 1/2)`), src(2, y, titles.y)], 1],
    [users.a1, 'teams', d('03-01', '12:00:00'), `Is part two of X clear? ${tag}`, 0.3, [src(1, x2, `${titles.x} (part 2/2)`)], null],
    [users.a2, 'slack', d('03-02', '10:00:00'), `Y handbook question ${tag}`, 0.8, [src(2, y, titles.y)], -1],
    [users.a2, 'web', d('03-03', '23:59:59.999'), questions.parking, 0.1, [], -1],
    [users.b1, 'slack', d('03-03', '08:00:00'), questions.garage, 0.2, [], null],
    [users.b1, 'slack', d('03-02', '09:00:00'), questions.formula, 0.95, [src(1, `gone-${tag}`, titles.gone)], 1],
    // outside the range: the day before, and the exclusive end
    [users.a3, 'slack', `${year}-02-28T23:59:59.999Z`, `Too early ${tag}`, 0.1, [src(1, z, titles.z)], -1],
    [users.a3, 'slack', d('03-04', '00:00:00'), `Too late ${tag}`, 0.1, [src(1, z, titles.z)], -1],
  ];
  for (const [user, channel, at, message, confidence, sources, feedback] of turns) {
    await ds.query(
      `INSERT INTO chat_messages (user_id, message, response, confidence, sources, channel, created_at, feedback)
       VALUES ($1, $2, 'an answer', $3, $4, $5, $6, $7)`,
      [user, message, confidence, JSON.stringify(sources), channel, at, feedback],
    );
  }
  return { tag, year, from: `${year}-03-01`, to: `${year}-03-03`, deptA, deptB, users, titles, paths, questions };
}
