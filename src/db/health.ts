/**
 * What the process asks of its database before it serves: whether it answers at all (liveness and
 * readiness probes), and whether there is anything to search yet (first start).
 */

/** A DataSource, or the EntityManager of a transaction. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Resolves when the database answers a query; rejects with the driver's error when it does not. */
export async function pingDatabase(ds: Queryable): Promise<void> {
  await ds.query('SELECT 1');
}

/** The server's version string (PostgreSQL's, or the embedded PGlite's), for the console's status. */
export async function serverVersion(ds: Queryable): Promise<string> {
  const [row] = (await ds.query('SHOW server_version')) as Array<{ server_version: string }>;
  return row.server_version;
}

/** Whether any learning_content row has an embedding (the hybrid retriever has something to find). */
export async function hasSearchableContent(ds: Queryable): Promise<boolean> {
  const [row] = (await ds.query(`SELECT EXISTS (SELECT 1 FROM learning_content WHERE embedding IS NOT NULL) AS any`)) as Array<{
    any: boolean;
  }>;
  return Boolean(row.any);
}
