import type { DataSource } from 'typeorm';
import type { RecommendationType } from '../../db/entities/recommendation.entity';
import { inUserScope } from '../../db/user-scope';
import type { RecommendationCard } from '../messages';
import { Recommender } from '../recommender';
import { loadProgress, type ProgressItem } from './progress-service';

export interface DashboardTotals {
  skillsTotal: number;
  skillsCompleted: number;
  coursesTotal: number;
  coursesCompleted: number;
  /** average progress over the person's skills and courses, 0..100, one decimal (same definition as reports) */
  overallProgress: number;
  inProgress: number;
  quizzesTaken: number;
  quizzesPassed: number;
  /** mean score of all quiz results, one decimal; null before the first quiz */
  averageQuizScore: number | null;
  /** learning_progress rows updated in the last 7 days */
  progressUpdates7d: number;
}

export interface RecentRecommendation {
  /** the recommendations row id (for InteractionService.clickRecommendation) */
  id: string;
  type: RecommendationType;
  itemId: string;
  /** resolved from skills / courses / learning_content; "(no longer available)" when the item is gone */
  title: string;
  available: boolean;
  score: number;
  reason: string | null;
  clicked: boolean;
  createdAt: Date;
}

export interface RecentQuizResult {
  resultId: string;
  assessmentId: string;
  title: string;
  score: number;
  passed: boolean;
  late: boolean;
  completedAt: Date;
  timeTakenSeconds: number | null;
}

export interface PersonalDashboard {
  user: { userId: string; name: string; department: string | null };
  /** as ProgressService.listProgress: in progress first */
  progress: ProgressItem[];
  totals: DashboardTotals;
  /** the last 5, newest first */
  recentRecommendations: RecentRecommendation[];
  /** the last 5, newest first */
  recentQuizzes: RecentQuizResult[];
  generatedAt: Date;
}

export interface DashboardServiceDeps {
  ds: DataSource;
  /** default: new Recommender({ limit: 3 }) */
  recommender?: Recommender;
}

/** The person's own learning dashboard and question-less recommendations; user scope throughout. */
export class DashboardService {
  private readonly recommender: Recommender;

  constructor(private readonly deps: DashboardServiceDeps) {
    this.recommender = deps.recommender ?? new Recommender({ limit: 3 });
  }

  async personalDashboard(userId: string): Promise<PersonalDashboard> {
    return inUserScope(this.deps.ds, userId, async (m) => {
      const [user] = await m.query(`SELECT id, name, department FROM users WHERE id = $1`, [userId]);
      const progress = await loadProgress(m, userId);
      const recs: Array<{ id: string; type: RecommendationType; item_id: string; title: string | null; score: number; reason: string | null; clicked: boolean; created_at: Date }> = await m.query(
        `SELECT r.id, r.type, r.item_id, r.score, r.reason, coalesce(r.clicked, false) AS clicked, r.created_at,
                CASE r.type WHEN 'skill' THEN s.name WHEN 'course' THEN c.title ELSE lc.title END AS title
           FROM recommendations r
           LEFT JOIN skills s ON r.type = 'skill' AND s.id = r.item_id
           LEFT JOIN courses c ON r.type = 'course' AND c.id = r.item_id
           LEFT JOIN learning_content lc ON r.type = 'content' AND lc.id = r.item_id
          WHERE r.user_id = $1
          ORDER BY r.created_at DESC, r.id
          LIMIT 5`, [userId]);
      const quizzes: Array<{ id: string; assessment_id: string; title: string; score: number; passed: boolean | null; late: boolean; completed_at: Date; time_taken: number | null }> = await m.query(
        `SELECT r.id, r.assessment_id, a.title, r.score, r.passed, r.late, r.completed_at, r.time_taken
           FROM assessment_results r JOIN assessments a ON a.id = r.assessment_id
          WHERE r.user_id = $1 ORDER BY r.completed_at DESC, r.id LIMIT 5`, [userId]);
      const [quizTotals] = await m.query(
        `SELECT count(*)::int AS taken, count(*) FILTER (WHERE passed)::int AS passed, avg(score)::float8 AS average
           FROM assessment_results WHERE user_id = $1`, [userId]);
      const [{ recent }] = await m.query(
        `SELECT count(*)::int AS recent FROM learning_progress
          WHERE user_id = $1 AND (skill_id IS NOT NULL OR course_id IS NOT NULL) AND updated_at > now() - interval '7 days'`, [userId]);

      const skills = progress.filter((p) => p.itemType === 'skill');
      const courses = progress.filter((p) => p.itemType === 'course');
      return {
        user: { userId, name: user?.name ?? '', department: user?.department ?? null },
        progress,
        totals: {
          skillsTotal: skills.length,
          skillsCompleted: skills.filter((p) => p.completed).length,
          coursesTotal: courses.length,
          coursesCompleted: courses.filter((p) => p.completed).length,
          overallProgress: progress.length ? round1(progress.reduce((s, p) => s + p.percent, 0) / progress.length) : 0,
          inProgress: progress.filter((p) => p.status === 'in_progress').length,
          quizzesTaken: quizTotals.taken,
          quizzesPassed: quizTotals.passed,
          averageQuizScore: quizTotals.average === null ? null : round1(quizTotals.average),
          progressUpdates7d: recent,
        },
        recentRecommendations: recs.map((r) => ({
          id: r.id,
          type: r.type,
          itemId: r.item_id,
          title: r.title ? r.title.replace(/\s*\(part \d+\/\d+\)$/, '') : '(no longer available)',
          available: r.title !== null,
          score: Number(r.score),
          reason: r.reason,
          clicked: r.clicked,
          createdAt: r.created_at,
        })),
        recentQuizzes: quizzes.map((q) => ({
          resultId: q.id,
          assessmentId: q.assessment_id,
          title: q.title,
          score: Number(q.score),
          passed: Boolean(q.passed),
          late: q.late,
          completedAt: q.completed_at,
          timeTakenSeconds: q.time_taken,
        })),
        generatedAt: new Date(),
      };
    });
  }

  /**
   * Recommendations without a question ("recommend"): generate_recommendations (progress-aware: not
   * started before in progress, beginner first, never completed) ranked by the Recommender, stored in
   * `recommendations` in the same transaction, like a conversation turn's.
   */
  async freshRecommendations(userId: string): Promise<RecommendationCard[]> {
    return inUserScope(this.deps.ds, userId, async (m) => {
      const { candidates, completed } = await this.recommender.candidates(m, userId, undefined, []);
      const picks = this.recommender.pick(candidates, '', completed);
      const cards: RecommendationCard[] = [];
      for (const p of picks) {
        const [row] = await m.query(`INSERT INTO recommendations (user_id, type, item_id, score, reason) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [userId, p.type, p.itemId, p.score, p.reason]);
        cards.push({ id: row.id, ...p });
      }
      return cards;
    });
  }
}

const round1 = (x: number) => Math.round(Number(x) * 10) / 10;
