import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

export type Platform = 'slack' | 'teams' | 'console' | 'web';

/** Maps a chat-platform identity (Slack team + user, Teams tenant + AAD object) to one row of `users`; unique per (platform, tenant_id, platform_user_id). */
@Entity({ name: 'user_identities' })
export class UserIdentity {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') user_id: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: User;
  @Column('text') platform: Platform;
  /** Slack team id or Teams tenant id; 'local' for the console. Never empty. */
  @Column('text') tenant_id: string;
  /** Never empty. */
  @Column('text') platform_user_id: string;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) created_at: Date | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) updated_at: Date | null;
}
