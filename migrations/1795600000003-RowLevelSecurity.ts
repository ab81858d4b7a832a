import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Row-level security: every policy of the document, verbatim, plus what they need to mean something.
 * - RLS does not apply to a table's owner or a superuser, which is who connects. User-scoped work
 *   therefore runs inside a transaction as the NOLOGIN role app_user (`SET LOCAL ROLE app_user`) with
 *   app.user_id and app.role set by set_config(..., true); see src/db/user-scope.ts.
 * - app_user gets DML on the application tables, EXECUTE on the functions and SELECT on the views;
 *   no TRUNCATE, REFERENCES, TRIGGER, DDL or ownership.
 * - chat_messages has no UPDATE policy for users, on purpose: the conversation log is append-only for
 *   the person it belongs to. Updates (feedback, redaction) are made by the service role, after the
 *   service has checked who is asking. A user-scoped UPDATE changes 0 rows.
 * - Beyond the document, so app_user acting for a user cannot touch other data: the catalogue tables
 *   (skills, courses, assessments) are readable by authenticated users and writable by the service
 *   role; assessment_results and user_identities follow the own-rows pattern.
 */
export class RowLevelSecurity1795600000003 implements MigrationInterface {
  name = 'RowLevelSecurity1795600000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_user') THEN CREATE ROLE app_user NOLOGIN; END IF;
    END $$`);
    // The migrating login must be able to SET ROLE app_user. A superuser can anyway; a plain owner needs membership.
    await q.query(`DO $$ BEGIN
      IF NOT pg_has_role(current_user, 'app_user', 'MEMBER') THEN EXECUTE format('GRANT app_user TO %I', current_user); END IF;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'could not grant app_user to %: ask an administrator to run GRANT app_user TO %', current_user, current_user;
    END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO app_user`);
    await q.query(`GRANT USAGE ON SCHEMA auth TO app_user`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${TABLES.join(', ')} TO app_user`);
    await q.query(`GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), match_documents(VECTOR, FLOAT, INT, TEXT[]),
      get_user_learning_analytics(TEXT), generate_recommendations(TEXT, INTEGER) TO app_user`);

    for (const table of TABLES) await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
    for (const [name, table, body] of POLICIES) await q.query(`CREATE POLICY "${name}" ON ${table} ${body}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name, table] of [...POLICIES].reverse()) await q.query(`DROP POLICY IF EXISTS "${name}" ON ${table}`);
    for (const table of TABLES) await q.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    await q.query(`REVOKE ALL ON ${TABLES.join(', ')} FROM app_user`);
    await q.query(`REVOKE EXECUTE ON FUNCTION auth.uid(), auth.role(), match_documents(VECTOR, FLOAT, INT, TEXT[]),
      get_user_learning_analytics(TEXT), generate_recommendations(TEXT, INTEGER) FROM app_user`);
    await q.query(`REVOKE USAGE ON SCHEMA auth FROM app_user`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM app_user`);
    // The role itself is cluster-wide (other databases on the server may use it), so it stays.
  }
}

const TABLES = [
  'users',
  'user_identities',
  'learning_content',
  'skills',
  'courses',
  'learning_progress',
  'chat_messages',
  'recommendations',
  'assessments',
  'assessment_results',
];

const OWN = `auth.uid()::text = user_id`;
const SERVICE = `auth.role() = 'service_role'`;
const READERS = `auth.role() IN ('authenticated', 'service_role')`;

const POLICIES: Array<[name: string, table: string, body: string]> = [
  // From the document, verbatim.
  ['Users can view own profile', 'users', `FOR SELECT USING (auth.uid()::text = id)`],
  ['Users can update own profile', 'users', `FOR UPDATE USING (auth.uid()::text = id)`],
  ['Service role can manage users', 'users', `FOR ALL USING (${SERVICE})`],
  ['Authenticated users can read learning content', 'learning_content', `FOR SELECT USING (auth.role() = 'authenticated')`],
  ['Service role can manage learning content', 'learning_content', `FOR ALL USING (${SERVICE})`],
  ['Users can view own progress', 'learning_progress', `FOR SELECT USING (${OWN})`],
  ['Users can update own progress', 'learning_progress', `FOR ALL USING (${OWN})`],
  ['Service role can manage progress', 'learning_progress', `FOR ALL USING (${SERVICE})`],
  ['Users can view own messages', 'chat_messages', `FOR SELECT USING (${OWN})`],
  ['Users can insert own messages', 'chat_messages', `FOR INSERT WITH CHECK (${OWN})`],
  ['Service role can manage messages', 'chat_messages', `FOR ALL USING (${SERVICE})`],
  ['Users can view own recommendations', 'recommendations', `FOR SELECT USING (${OWN})`],
  ['Users can update own recommendations', 'recommendations', `FOR UPDATE USING (${OWN})`],
  ['Service role can manage recommendations', 'recommendations', `FOR ALL USING (${SERVICE})`],
  // Beyond the document (see the class comment).
  ['Users can view own identities', 'user_identities', `FOR SELECT USING (${OWN})`],
  ['Service role can manage identities', 'user_identities', `FOR ALL USING (${SERVICE})`],
  ['Authenticated users can read skills', 'skills', `FOR SELECT USING (${READERS})`],
  ['Service role can manage skills', 'skills', `FOR ALL USING (${SERVICE})`],
  ['Authenticated users can read courses', 'courses', `FOR SELECT USING (${READERS})`],
  ['Service role can manage courses', 'courses', `FOR ALL USING (${SERVICE})`],
  ['Authenticated users can read assessments', 'assessments', `FOR SELECT USING (${READERS})`],
  ['Service role can manage assessments', 'assessments', `FOR ALL USING (${SERVICE})`],
  ['Users can view own assessment results', 'assessment_results', `FOR SELECT USING (${OWN})`],
  ['Users can insert own assessment results', 'assessment_results', `FOR INSERT WITH CHECK (${OWN})`],
  ['Service role can manage assessment results', 'assessment_results', `FOR ALL USING (${SERVICE})`],
];
