import { DataSource, type QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { AppError } from '../errors';
import type { Logger } from '../observability/logger';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { ENTITIES } from './entities';

export interface DatabaseSettings {
  /** A real PostgreSQL server with pgvector. Unset: the embedded PGlite database. */
  databaseUrl?: string;
  /** Where the embedded database keeps its files; 'memory://' keeps nothing (tests). */
  pgliteDataDir: string;
  poolSize: number;
  logger?: Logger;
}

/**
 * One TypeORM DataSource for both back ends. With no DATABASE_URL it starts the embedded server on
 * initialize() and points the `pg` pool at it, so everything after that is the production code path.
 */
export class AppDataSource extends DataSource {
  private embedded?: EmbeddedPostgres;

  constructor(private readonly settings: DatabaseSettings) {
    super({
      type: 'postgres',
      ...(settings.databaseUrl
        ? { url: settings.databaseUrl }
        : { host: '127.0.0.1', port: 0, username: 'postgres', database: 'postgres' }),
      entities: ENTITIES,
      migrations: MIGRATIONS,
      migrationsTableName: 'typeorm_migrations',
      synchronize: false,
      // Migrations create the extension; a failed implicit CREATE EXTENSION would only log a warning.
      installExtensions: false,
      parseInt8: true,
      poolSize: settings.poolSize,
      connectTimeoutMS: 5000,
      applicationName: 'learning-assistant',
    });
  }

  /** Where this DataSource connects (after initialize(); the embedded server's socket when there is no DATABASE_URL). */
  get connectionUrl(): string {
    if (this.settings.databaseUrl) return this.settings.databaseUrl;
    if (!this.embedded) throw new Error('the embedded database is not started');
    return this.embedded.url;
  }

  get backend(): 'postgres' | 'embedded' {
    return this.settings.databaseUrl ? 'postgres' : 'embedded';
  }

  override async initialize(): Promise<this> {
    if (!this.settings.databaseUrl) {
      this.embedded = await startEmbeddedPostgres({ dataDir: this.settings.pgliteDataDir, logger: this.settings.logger });
      // The driver reads host/port when it creates the pool, which happens in super.initialize().
      Object.assign(this.options, { host: this.embedded.host, port: this.embedded.port });
    }
    try {
      await super.initialize();
    } catch (err) {
      await this.embedded?.stop();
      throw explainConnectionError(err, this.settings);
    }
    this.guardCheckedOutConnections();
    await this.assertVectorAvailable();
    return this;
  }

  /**
   * A connection the server drops (a restart, pg_terminate_backend, a network cut) while TypeORM has
   * it checked out between two statements emits 'error' on the pg client, and TypeORM listens only on
   * the pool: unheard, that error would end the process. Listen on every client; the next statement
   * on it fails instead, as a transient error the queue retries.
   */
  private guardCheckedOutConnections(): void {
    type Client = { on(e: 'error', f: (err: Error) => void): void };
    const pool = (this.driver as unknown as { master?: { on(event: 'connect', fn: (client: Client) => void): void; _clients?: Client[] } })
      .master;
    if (!pool) return;
    const guard = (client: Client) =>
      client.on('error', (err) =>
        this.settings.logger?.warn({ err }, 'a database connection was closed by the server; it will be replaced'),
      );
    for (const client of pool._clients ?? []) guard(client); // the one TypeORM opened to check the server
    pool.on('connect', guard);
  }

  override async destroy(): Promise<void> {
    if (this.isInitialized) await super.destroy();
    await this.embedded?.stop();
    this.embedded = undefined;
  }

  /**
   * Embedded: a parameterised statement outside a transaction runs inside one. The PGlite socket
   * server interleaves the protocol messages of concurrent connections except inside a transaction,
   * and a parameterised statement is several messages (see src/jobs/serialized-db.ts).
   */
  // biome-ignore lint/suspicious/noExplicitAny: the signature of TypeORM's DataSource.query, which this overrides
  override async query<T = any>(query: string, parameters?: any[], queryRunner?: QueryRunner): Promise<T> {
    if (this.embedded && !queryRunner && parameters?.length) return this.transaction((m) => m.query(query, parameters));
    return super.query(query, parameters, queryRunner);
  }

  /** True when every migration has been applied. */
  async isMigrated(): Promise<boolean> {
    return !(await this.showMigrations());
  }

  private async assertVectorAvailable(): Promise<void> {
    const rows: Array<{ installed: string | null }> = await this.query(
      `SELECT installed_version AS installed FROM pg_available_extensions WHERE name = 'vector'`,
    );
    if (rows.length === 0) {
      await this.destroy();
      throw new AppError(
        'DB_NO_VECTOR_EXTENSION',
        'The PostgreSQL server has no pgvector extension: install it (e.g. the postgresql-15-pgvector package, ' +
          'the pgvector/pgvector Docker image, or .ci/install-pgvector.sh) and run `npm run db:migrate` again.',
      );
    }
  }
}

export function explainConnectionError(err: unknown, settings: DatabaseSettings): AppError {
  const code = (err as { code?: string }).code;
  const where = settings.databaseUrl ? `the PostgreSQL server in DATABASE_URL (${redact(settings.databaseUrl)})` : 'the embedded database';
  const reason =
    code === 'ECONNREFUSED'
      ? 'nothing is listening there'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve'
        : code === '28P01' || code === '28000'
          ? 'the user name or password was refused'
          : code === '3D000'
            ? 'that database does not exist (create it first)'
            : (err as Error).message?.includes('timeout')
              ? 'the connection timed out'
              : ((err as Error).message ?? String(err));
  return new AppError(
    'DB_UNREACHABLE',
    `Cannot connect to ${where}: ${reason}. Start PostgreSQL or fix DATABASE_URL, or unset DATABASE_URL to use the embedded database.`,
    { cause: err },
  );
}

/** Never print a password. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
