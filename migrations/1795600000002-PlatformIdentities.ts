import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Beyond the document: which chat-platform identity belongs to which user, unique per identity. */
export class PlatformIdentities1795600000002 implements MigrationInterface {
  name = 'PlatformIdentities1795600000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_identities (
        id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        platform TEXT NOT NULL CHECK (platform IN ('slack', 'teams', 'console')),
        tenant_id TEXT NOT NULL CHECK (tenant_id <> ''),
        platform_user_id TEXT NOT NULL CHECK (platform_user_id <> ''),
        created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
        updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
        CONSTRAINT uq_user_identities_identity UNIQUE (platform, tenant_id, platform_user_id)
      )`);
    await q.query(`CREATE INDEX idx_user_identities_user ON user_identities(user_id)`);
    await q.query(`CREATE TRIGGER update_user_identities_updated_at BEFORE UPDATE ON user_identities
      FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS user_identities`);
  }
}
