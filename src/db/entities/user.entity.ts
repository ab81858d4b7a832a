import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'users' })
export class User {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text', { unique: true }) email: string;
  @Column('text') name: string;
  /** Managers see the people of their own department (row-level security); only the service role may change it. */
  @Column('text', { nullable: true }) department: string | null;
  /** 'employee' (default when null), 'manager' or 'admin'; reports read it. Only the service role may change it. */
  @Column('text', { nullable: true }) role: string | null;
  @Column('jsonb', { nullable: true }) learning_profile: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) preferences: Record<string, unknown> | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) created_at: Date | null;
  /** Set by the update_users_updated_at trigger. */
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) updated_at: Date | null;
}
