import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { createEmbeddingProvider } from '../ai/embedding-provider';
import type { AppDataSource } from '../db/data-source';
import { AppError } from '../errors';
import { type FileResult, IngestService, type IngestSummary } from '../ingest/ingest-service';
import { CONTENT_TYPES, isContentType, SUPPORTED_EXTENSIONS } from '../ingest/load-document';
import { runCli } from './run-cli';

// npm run ingest -- <files or folders> [--content-type tutorial] [--source-service name]

export const INGEST_USAGE = `Usage: npm run ingest -- <files or folders...> [--content-type <type>] [--source-service <name>]

Reads ${SUPPORTED_EXTENSIONS.join(', ')} files (folders recursively), splits them into chunks,
embeds the new or changed chunks and stores them in learning_content. Running it again on the same
files only embeds what changed and removes chunks a file no longer produces.

Options:
  --content-type <type>     for files whose front matter sets none: ${CONTENT_TYPES.join(', ')} (default reference)
  --source-service <name>   for files whose front matter sets none
  -h, --help                this text

Example:
  npm run ingest -- content/sample docs/onboarding.pdf --content-type tutorial --source-service wiki
`;

export interface IngestArgs {
  paths: string[];
  contentType?: string;
  sourceService?: string;
  help: boolean;
}

/** Parses the command line; throws an Error with a one-line reason on bad input. */
export function parseIngestArgs(argv: string[]): IngestArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'content-type': { type: 'string' },
      'source-service': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const contentType = values['content-type']?.trim().toLowerCase();
  if (contentType !== undefined && !isContentType(contentType)) {
    throw new Error(`--content-type must be one of ${CONTENT_TYPES.join(', ')} (got "${values['content-type']}")`);
  }
  const sourceService = values['source-service']?.trim() || undefined;
  return { paths: positionals, contentType, sourceService, help: values.help ?? false };
}

/** A progress display on stderr: a cli-progress bar on a terminal, plain lines otherwise. */
export interface Progress {
  start(total: number, label: string): void;
  update(value: number, label: string, line?: string): void;
  stop(): void;
}

export function createProgress(unit: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: `{bar} {value}/{total} ${unit} | {duration_formatted} | {label}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    });
    const fitLabel = (s: string) => (s.length > 60 ? `…${s.slice(-59)}` : s);
    return {
      start: (total, label) => bar.start(total, 0, { label: fitLabel(label) }),
      update: (value, label) => bar.update(value, { label: fitLabel(label) }),
      stop: () => bar.stop(),
    };
  }
  return {
    start: () => {},
    update: (_value, _label, line) => {
      if (line) stream.write(`${line}\n`);
    },
    stop: () => {},
  };
}

export function formatIngestSummary(s: IngestSummary): string {
  const handled = s.chunksAdded + s.chunksUnchanged;
  const rate = handled > 0 && s.seconds > 0 ? ` (${handled} chunks handled, ${(handled / s.seconds).toFixed(1)} chunks/s)` : '';
  const lines = [
    `Ingested ${s.files - s.failed.length} of ${s.files} file(s) in ${s.seconds.toFixed(1)}s: ` +
      `${s.chunksAdded} chunk(s) added (embedded), ${s.chunksUnchanged} unchanged, ${s.chunksDeleted} deleted` +
      (s.chunksUpdated ? `, ${s.chunksUpdated} with refreshed metadata` : '') +
      `${rate}.`,
  ];
  if (s.failed.length) {
    lines.push(`Failed (${s.failed.length}), left as they were:`);
    for (const f of s.failed) lines.push(`  - ${f.file}: ${f.error}`);
  }
  if (s.warnings.length) {
    lines.push(`Warnings (${s.warnings.length}):`);
    for (const w of s.warnings) lines.push(`  - ${w}`);
  }
  return lines.join('\n');
}

/** Ingest and reembed do not migrate (db:migrate / db:seed do); say so instead of "relation does not exist". */
export async function assertMigrated(ds: AppDataSource): Promise<void> {
  if (!(await ds.isMigrated())) {
    throw new AppError('DB_NOT_MIGRATED', 'The database schema is not up to date: run `npm run db:migrate` (or `npm run db:seed`) first.');
  }
}

function fileLine(r: FileResult, index: number, total: number): string {
  const head = `[${index + 1}/${total}] ${r.file}`;
  return r.ok ? `${head}: +${r.added} =${r.unchanged} -${r.deleted}` : `${head}: FAILED: ${r.error}`;
}

function main(argv: string[]): void {
  let args: IngestArgs;
  try {
    args = parseIngestArgs(argv);
  } catch (err) {
    process.stderr.write(`ingest: ${(err as Error).message}\n\n${INGEST_USAGE}`);
    process.exitCode = 1;
    return;
  }
  if (args.help) {
    process.stdout.write(INGEST_USAGE);
    return;
  }
  if (args.paths.length === 0) {
    process.stderr.write(INGEST_USAGE);
    process.exitCode = 1;
    return;
  }

  void runCli('ingest', async ({ ds, config, logger }) => {
    await assertMigrated(ds);
    const provider = createEmbeddingProvider(config, (msg) => logger.warn({}, msg));
    // The CLI reports every file itself; JSON log lines would only break the progress bar.
    const service = new IngestService({ ds, provider, logger: config.LOG_LEVEL === 'debug' ? logger : undefined });
    const progress = createProgress('files');
    let total = -1;
    let done = 0;
    let summary: IngestSummary;
    try {
      summary = await service.ingestPaths(args.paths, {
        contentType: args.contentType,
        sourceService: args.sourceService,
        onFileStart: (file, index, count) => {
          if (total < 0) progress.start(count, file);
          total = count;
          progress.update(index, file);
        },
        onFileDone: (r) => {
          done++;
          progress.update(done, r.file, fileLine(r, done - 1, total));
        },
      });
    } finally {
      progress.stop();
    }
    console.log(`Embedder: ${provider.id}`);
    console.log(formatIngestSummary(summary));
    if (summary.failed.length) process.exitCode = 1;
  });
}

if (require.main === module) main(process.argv.slice(2));
