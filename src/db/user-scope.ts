import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in one transaction as the NOLOGIN role app_user, so row-level security applies.
 * Settings are transaction-local (set_config(..., true) / SET LOCAL): the embedded server shares one
 * backend between all connections, and a pooled connection must not carry one user's identity into
 * the next user's transaction.
 */
export async function inUserScope<T>(ds: DataSource, userId: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
  return scoped(ds, userId, 'authenticated', work);
}

/** The service role: sees and manages every row (identity resolution, ingestion, reports the code has authorised). */
export async function inServiceScope<T>(ds: DataSource, work: (m: EntityManager) => Promise<T>): Promise<T> {
  return scoped(ds, '', 'service_role', work);
}

async function scoped<T>(ds: DataSource, userId: string, role: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(async (m) => {
    await m.query(`SET LOCAL ROLE app_user`);
    await m.query(`SELECT set_config('app.user_id', $1, true), set_config('app.role', $2, true)`, [userId, role]);
    return work(m);
  });
}
