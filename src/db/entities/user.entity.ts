import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'users' })
export class User {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text', { unique: true }) email: string;
  @Column('text') name: string;
  @Column('text', { nullable: true }) department: string | null;
  /** 'employee' (default when null), 'manager' or 'admin'; reports read it. */
  @Column('text', { nullable: true }) role: string | null;
  @Column('jsonb', { nullable: true }) learning_profile: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) preferences: Record<string, unknown> | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
}
