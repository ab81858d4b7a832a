import { AsyncLocalStorage } from 'node:async_hooks';
import { Pool } from 'pg';

type ExecuteSql = (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;

/**
 * pg-boss's connection to the embedded database. The PGlite socket server shares one backend between
 * all its connections and interleaves their protocol messages one by one, except while a connection
 * is inside a transaction. A parameterised statement is several messages (Parse, Bind, Execute, Sync),
 * so two of them in flight on two connections clobber each other's unnamed statement ("portal cannot
 * be run", or a reply that never comes). So: statements without parameters go as one simple-protocol
 * message (atomic), and every parameterised one runs inside BEGIN ... COMMIT, which keeps its messages
 * together. Inside `withTransaction` (the accept transaction) statements join that transaction.
 * On a real PostgreSQL server pg-boss uses its own pool instead (see JobQueue).
 */
export class SerializedDb {
  private readonly pool: Pool;
  private readonly joined = new AsyncLocalStorage<ExecuteSql>();

  constructor(connectionString: string, max: number) {
    this.pool = new Pool({ connectionString, max, application_name: 'learning-assistant-queue' });
    // A client whose socket dies emits 'error' (on the pool while idle, on itself while checked out);
    // the statement in flight fails on its own and the next checkout gets a new connection.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** Runs `work` with every statement of this pg-boss instance going through `executeSql` (the caller's transaction). */
  withTransaction<T>(executeSql: ExecuteSql, work: () => Promise<T>): Promise<T> {
    return this.joined.run(executeSql, work);
  }

  readonly executeSql: ExecuteSql = async (text, values) => {
    const joined = this.joined.getStore();
    if (joined) return joined(text, values);
    const client = await this.pool.connect();
    try {
      if (!values || values.length === 0) {
        const result = await client.query(text);
        client.release();
        return result;
      }
      await client.query('BEGIN');
      const result = await client.query(text, values);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      // Discard the connection (it may be dead, or still inside the failed transaction).
      client.release(err as Error);
      throw err;
    }
  };

  async close(): Promise<void> {
    await this.pool.end();
  }
}
