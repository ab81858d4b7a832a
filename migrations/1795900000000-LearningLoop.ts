import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The learning loop: who may see whose progress, and quiz attempts.
 *
 * Visibility (enforced by row-level security, so a report query cannot leak even if the code forgot
 * to check):
 * - A 'manager' sees the people of their own department (same non-NULL users.department), an 'admin'
 *   everyone, anyone else only themself (the existing own-row policies). SECURITY DEFINER SQL
 *   functions with a pinned search_path read users without RLS (policies on users use them, which
 *   would otherwise recurse) and reveal nothing beyond their result: auth.is_admin(),
 *   auth.managed_department() (the viewer's department if they are a manager, else NULL),
 *   auth.managed_user_ids(), and auth.can_view_user(target) (the same rule for one person, for code
 *   and ad-hoc checks).
 * - New SELECT policies on users, learning_progress and assessment_results, so a manager's
 *   user_learning_dashboard / get_user_learning_analytics rows cover their department. SELECT only:
 *   managers never change anyone's rows. The policies call the functions through scalar subqueries,
 *   evaluated once per statement: `USING (auth.can_view_user(user_id))` selects the same rows but runs
 *   per row (a 500-person department's progress took ~200 ms that way on PGlite, ~25 ms this way).
 * - chat_messages gets no such policy, on purpose (privacy: what people ask stays theirs). The
 *   dashboard's recent_messages column is therefore always the viewer's own count (0 on other
 *   people's rows); reports use progress-based activity instead.
 * - Because users.role and users.department now grant access, a user-scoped transaction may no longer
 *   change them (trigger users_guard_access_columns, SQLSTATE 42501); the service role (IdentityService,
 *   users:import) and the owner still may. Before this, "Users can update own profile" would have let
 *   anyone make themself an admin.
 *
 * Quizzes:
 * - assessment_attempts: one row per quiz started. expires_at is computed by a trigger from the
 *   assessment's time_limit (app_user cannot insert started_at/expires_at: column privileges), and an
 *   attempt is submitted once: app_user may only UPDATE submitted_at and result_id, the service claims
 *   it with `UPDATE ... WHERE submitted_at IS NULL`, and result_id / assessment_results.attempt_id are
 *   UNIQUE.
 * - assessment_results: attempt_id (UNIQUE; a composite foreign key makes the result's user and
 *   assessment those of its attempt), late (default false) and passed; a late result is never passed.
 * - RLS on attempts: own rows + service role.
 */
export class LearningLoop1795900000000 implements MigrationInterface {
  name = 'LearningLoop1795900000000';

  async up(q: QueryRunner): Promise<void> {
    // SECURITY DEFINER + pinned search_path: they read users without RLS (the policies on users use
    // them, which would otherwise recurse) and reveal nothing beyond what their result says.
    const definer = `LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp`;
    await q.query(`
      CREATE OR REPLACE FUNCTION auth.is_admin() RETURNS boolean ${definer} AS $$
        SELECT auth.role() = 'authenticated' AND EXISTS (SELECT 1 FROM users WHERE id = auth.uid() AND role = 'admin')
      $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION auth.managed_department() RETURNS text ${definer} AS $$
        SELECT department FROM users
         WHERE auth.role() = 'authenticated' AND id = auth.uid() AND role = 'manager' AND department IS NOT NULL
      $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION auth.managed_user_ids() RETURNS SETOF text ${definer} AS $$
        SELECT u.id FROM users u WHERE u.department = auth.managed_department()
      $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION auth.can_view_user(target_user_id text) RETURNS boolean ${definer} AS $$
        SELECT CASE
          WHEN auth.role() = 'service_role' THEN true
          WHEN auth.role() <> 'authenticated' OR auth.uid() IS NULL OR target_user_id IS NULL THEN false
          WHEN auth.uid() = target_user_id OR auth.is_admin() THEN true
          ELSE EXISTS (SELECT 1 FROM users t WHERE t.id = target_user_id AND t.department = auth.managed_department())
        END
      $$`);
    for (const fn of FUNCTIONS) {
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO app_user`);
    }

    // Who may change the columns that grant access.
    await q.query(`
      CREATE OR REPLACE FUNCTION users_guard_access_columns() RETURNS TRIGGER LANGUAGE plpgsql AS $$
      BEGIN
        IF current_user = 'app_user' AND auth.role() IS DISTINCT FROM 'service_role'
           AND (NEW.role IS DISTINCT FROM OLD.role OR NEW.department IS DISTINCT FROM OLD.department) THEN
          RAISE EXCEPTION 'users.role and users.department can only be changed by the service role'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER users_guard_access_columns BEFORE UPDATE OF role, department ON users
      FOR EACH ROW EXECUTE FUNCTION users_guard_access_columns()`);

    await q.query(`
      CREATE TABLE assessment_attempts (
        id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
        started_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
        expires_at TIMESTAMP WITH TIME ZONE,
        submitted_at TIMESTAMP WITH TIME ZONE,
        result_id TEXT REFERENCES assessment_results(id) ON DELETE SET NULL,
        CONSTRAINT uq_assessment_attempts_result UNIQUE (result_id),
        CONSTRAINT uq_assessment_attempts_owner UNIQUE (id, user_id, assessment_id),
        CONSTRAINT assessment_attempts_expiry_after_start CHECK (expires_at IS NULL OR expires_at > started_at),
        CONSTRAINT assessment_attempts_result_when_submitted CHECK (result_id IS NULL OR submitted_at IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX idx_assessment_attempts_user ON assessment_attempts (user_id, started_at)`);
    await q.query(`CREATE INDEX idx_assessment_attempts_assessment ON assessment_attempts (assessment_id)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION assessment_attempts_set_expiry() RETURNS TRIGGER LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.expires_at IS NULL THEN
          SELECT CASE WHEN a.time_limit > 0 THEN NEW.started_at + make_interval(mins => a.time_limit) END
            INTO NEW.expires_at FROM assessments a WHERE a.id = NEW.assessment_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER assessment_attempts_set_expiry BEFORE INSERT ON assessment_attempts
      FOR EACH ROW EXECUTE FUNCTION assessment_attempts_set_expiry()`);

    await q.query(`ALTER TABLE assessment_results
      ADD COLUMN attempt_id TEXT,
      ADD COLUMN late BOOLEAN NOT NULL DEFAULT FALSE,
      ADD COLUMN passed BOOLEAN,
      ADD CONSTRAINT uq_assessment_results_attempt UNIQUE (attempt_id),
      ADD CONSTRAINT fk_assessment_results_attempt FOREIGN KEY (attempt_id, user_id, assessment_id)
        REFERENCES assessment_attempts (id, user_id, assessment_id) ON DELETE CASCADE,
      ADD CONSTRAINT assessment_results_late_never_passed CHECK (NOT (late AND passed IS TRUE))`);
    await q.query(`CREATE INDEX idx_assessment_results_user_completed ON assessment_results (user_id, completed_at)`);
    await q.query(`CREATE INDEX idx_learning_progress_user_updated ON learning_progress (user_id, updated_at)`);

    await q.query(`ALTER TABLE assessment_attempts ENABLE ROW LEVEL SECURITY`);
    await q.query(`GRANT SELECT ON assessment_attempts TO app_user`);
    await q.query(`GRANT INSERT (id, user_id, assessment_id) ON assessment_attempts TO app_user`);
    await q.query(`GRANT UPDATE (submitted_at, result_id) ON assessment_attempts TO app_user`);
    for (const [name, table, body] of POLICIES) await q.query(`CREATE POLICY "${name}" ON ${table} ${body}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name, table] of [...POLICIES].reverse()) await q.query(`DROP POLICY IF EXISTS "${name}" ON ${table}`);
    await q.query(`DROP INDEX IF EXISTS idx_learning_progress_user_updated`);
    await q.query(`DROP INDEX IF EXISTS idx_assessment_results_user_completed`);
    await q.query(`ALTER TABLE assessment_results
      DROP CONSTRAINT IF EXISTS assessment_results_late_never_passed,
      DROP CONSTRAINT IF EXISTS fk_assessment_results_attempt,
      DROP CONSTRAINT IF EXISTS uq_assessment_results_attempt,
      DROP COLUMN IF EXISTS passed, DROP COLUMN IF EXISTS late, DROP COLUMN IF EXISTS attempt_id`);
    await q.query(`DROP TABLE IF EXISTS assessment_attempts`);
    await q.query(`DROP FUNCTION IF EXISTS assessment_attempts_set_expiry()`);
    await q.query(`DROP TRIGGER IF EXISTS users_guard_access_columns ON users`);
    await q.query(`DROP FUNCTION IF EXISTS users_guard_access_columns()`);
    for (const fn of [...FUNCTIONS].reverse()) await q.query(`DROP FUNCTION IF EXISTS ${fn}`);
  }
}

const FUNCTIONS = ['auth.is_admin()', 'auth.managed_department()', 'auth.managed_user_ids()', 'auth.can_view_user(text)'];
const OWN = `auth.uid()::text = user_id`;
// (SELECT f()) is an InitPlan, evaluated once per statement; IN (SELECT srf()) a hashed SubPlan, built once.
const PEOPLE_OF_VIEWER = `(SELECT auth.is_admin()) OR user_id IN (SELECT auth.managed_user_ids())`;
const SERVICE = `auth.role() = 'service_role'`;

const POLICIES: Array<[name: string, table: string, body: string]> = [
  // Policy names stay under PostgreSQL's 63-byte identifier limit.
  [
    'Managers and admins can view their people',
    'users',
    `FOR SELECT USING ((SELECT auth.is_admin()) OR department = (SELECT auth.managed_department()))`,
  ],
  ['Managers and admins can view their people progress', 'learning_progress', `FOR SELECT USING (${PEOPLE_OF_VIEWER})`],
  ['Managers and admins can view their people results', 'assessment_results', `FOR SELECT USING (${PEOPLE_OF_VIEWER})`],
  ['Users can view own assessment attempts', 'assessment_attempts', `FOR SELECT USING (${OWN})`],
  ['Users can start own assessment attempts', 'assessment_attempts', `FOR INSERT WITH CHECK (${OWN})`],
  ['Users can submit own assessment attempts', 'assessment_attempts', `FOR UPDATE USING (${OWN}) WITH CHECK (${OWN})`],
  ['Service role can manage assessment attempts', 'assessment_attempts', `FOR ALL USING (${SERVICE})`],
];
