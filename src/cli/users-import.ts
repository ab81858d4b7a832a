import * as fs from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';
import type { DataSource } from 'typeorm';
import { inServiceScope } from '../db/user-scope';
import { AppError } from '../errors';
import { runCli } from './run-cli';

// npm run users:import -- people.csv [--dry-run]
//
// people.csv: a header row naming the columns email,name,department,role (any order, any case; other
// columns are ignored), then one person per line. RFC 4180: fields may be quoted, with "" for a quote
// and line breaks inside quotes. Upserts by email (case-insensitive): a new email creates the user, a
// known one updates name, department and role. role is employee, manager or admin (blank = employee);
// department blank = none. Bad lines are reported with their line number and skipped; the rest is
// imported. Exit status 1 if any line was rejected.
//
// Roles and departments decide who sees whose progress (managers: their department; admins: all), so
// they can only be changed by the service role: this tool, never a user-scoped transaction.

export const ROLES = ['employee', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface CsvRecord {
  /** 1-based line number where the record starts in the file */
  line: number;
  fields: string[];
}

export interface PersonRow {
  line: number;
  email: string;
  name: string;
  department: string | null;
  role: Role;
}

export interface BadLine {
  line: number;
  error: string;
}

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  bad: BadLine[];
  dryRun: boolean;
}

/**
 * RFC 4180 records (csv-parse) with the line number each starts on. A BOM is dropped; CRLF, LF and CR all
 * end lines (and become LF inside quoted fields); blank lines are skipped; rows may have any number of
 * fields (readPeople reports short ones); a quote inside an unquoted field is kept as it is.
 */
export function parseCsv(text: string): CsvRecord[] {
  const normalised = text.replace(/\r\n?/g, '\n');
  // csv-parse counts lines up to the end of a record; a record starts as many lines earlier as its fields hold line breaks
  const breaks = (fields: string[]) => fields.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
  const starts: number[] = [];
  let lastLine = 0; // where the last complete record ends
  let rows: string[][];
  try {
    rows = parse(normalised, {
      bom: true,
      record_delimiter: '\n',
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      on_record: (record, context) => {
        lastLine = context.lines;
        starts.push(context.lines - breaks(record));
        return record;
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    // the record that failed starts on the first non-blank line after the last good one
    const lines = normalised.split('\n');
    let start = lastLine + 1;
    while (start < lines.length && lines[start - 1] === '') start++;
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') throw new AppError('BAD_INPUT', `line ${start}: a quoted field is never closed`);
    throw new AppError('BAD_INPUT', `line ${start}: ${err.message}`);
  }
  return rows.map((fields, i) => ({ line: starts[i], fields }));
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** Validates the records (the first is the header); good rows and bad lines, in file order. */
export function readPeople(records: CsvRecord[]): { people: PersonRow[]; bad: BadLine[] } {
  if (!records.length) throw new AppError('BAD_INPUT', 'the file is empty: expected a header row email,name,department,role');
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const missing = ['email', 'name', 'department', 'role'].filter((c) => col(c) < 0);
  if (missing.length) {
    throw new AppError(
      'BAD_INPUT',
      `line ${records[0].line}: the header row must name the columns email,name,department,role (missing: ${missing.join(', ')})`,
    );
  }
  const people: PersonRow[] = [];
  const bad: BadLine[] = [];
  const seen = new Map<string, number>();
  for (const r of records.slice(1)) {
    const get = (name: string) => (r.fields[col(name)] ?? '').trim();
    if (r.fields.length < header.length) {
      bad.push({ line: r.line, error: `expected ${header.length} fields, found ${r.fields.length}` });
      continue;
    }
    const email = get('email').toLowerCase();
    const name = get('name').replace(/\s+/g, ' ');
    const department = get('department').replace(/\s+/g, ' ') || null;
    const roleText = get('role').toLowerCase() || 'employee';
    const errors: string[] = [];
    if (!email) errors.push('email is empty');
    else if (!EMAIL.test(email)) errors.push(`“${email}” is not an email address`);
    if (!name) errors.push('name is empty');
    if (!(ROLES as readonly string[]).includes(roleText)) errors.push(`role “${get('role')}” is not one of ${ROLES.join(', ')}`);
    if (email && seen.has(email)) errors.push(`${email} already appears on line ${seen.get(email)}`);
    if (errors.length) {
      bad.push({ line: r.line, error: errors.join('; ') });
      continue;
    }
    seen.set(email, r.line);
    people.push({ line: r.line, email, name, department, role: roleText as Role });
  }
  return { people, bad };
}

/** Parses, validates and upserts; one statement per person, so a refused row does not stop the others. */
export async function importUsers(ds: DataSource, csvText: string, opts: { dryRun?: boolean } = {}): Promise<ImportSummary> {
  const { people, bad } = readPeople(parseCsv(csvText));
  const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0, bad, dryRun: Boolean(opts.dryRun) };
  for (const p of people) {
    try {
      const status = await inServiceScope(ds, async (m) => {
        // The exact email uses the unique index; a differently-cased stored address is found too.
        const [existing] = (await m.query(`SELECT id, name, department, role FROM users WHERE email = $1`, [p.email])).concat(
          await m.query(
            `SELECT id, name, department, role FROM users WHERE lower(email) = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $1) LIMIT 1`,
            [p.email],
          ),
        );
        if (existing && existing.name === p.name && existing.department === p.department && existing.role === p.role)
          return 'unchanged' as const;
        if (opts.dryRun) return existing ? ('updated' as const) : ('created' as const);
        if (existing) {
          await m.query(`UPDATE users SET name = $2, department = $3, role = $4 WHERE id = $1`, [
            existing.id,
            p.name,
            p.department,
            p.role,
          ]);
          return 'updated' as const;
        }
        const rows = await m.query(
          `INSERT INTO users (email, name, department, role) VALUES ($1, $2, $3, $4)
           ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, department = EXCLUDED.department, role = EXCLUDED.role
           RETURNING (xmax = 0) AS inserted`,
          [p.email, p.name, p.department, p.role],
        );
        return rows[0]?.inserted ? ('created' as const) : ('updated' as const);
      });
      summary[status]++;
    } catch (err) {
      summary.bad.push({ line: p.line, error: `the database refused it: ${(err as Error).message}` });
    }
  }
  summary.bad.sort((a, b) => a.line - b.line);
  return summary;
}

export function formatSummary(file: string, s: ImportSummary): string {
  const lines = s.bad.map((b) => `${file}:${b.line}: ${b.error}`);
  const verb = s.dryRun ? 'would be ' : '';
  lines.push(
    `${s.dryRun ? 'Dry run: ' : ''}${s.created} ${verb}created, ${s.updated} ${verb}updated, ${s.unchanged} unchanged, ${s.bad.length} bad line(s) skipped.`,
  );
  return lines.join('\n');
}

// Run as a script (not when tests import the functions above).
if (require.main === module) {
  const args = process.argv.slice(2);
  const dryRun = args.includes('--dry-run');
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: npm run users:import -- people.csv [--dry-run]  (columns: email,name,department,role)\n');
    process.exit(1);
  }
  void runCli('users:import', async ({ ds }) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new AppError('NOT_FOUND', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!(await ds.isMigrated())) {
      throw new AppError('DB_NOT_MIGRATED', 'the database is not migrated: run `npm run db:migrate` first.');
    }
    const summary = await importUsers(ds, text, { dryRun });
    console.log(formatSummary(file, summary));
    if (summary.bad.length) process.exitCode = 1;
  });
}
