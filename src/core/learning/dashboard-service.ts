import type { DataSource } from 'typeorm';
import type { RecommendationType } from '../../db/entities/recommendation.entity';
import {
  countProgressUpdatesLast7Days,
  findDashboardUser,
  findQuizTotals,
  findRecentQuizResults,
  findRecentRecommendations,
} from '../../db/repositories/dashboard-repository';
import { insertRecommendation } from '../../db/repositories/recommendation-repository';
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
      const user = await findDashboardUser(m, userId);
      const progress = await loadProgress(m, userId);
      const recs = await findRecentRecommendations(m, userId, RECENT);
      const quizzes = await findRecentQuizResults(m, userId, RECENT);
      const quizTotals = await findQuizTotals(m, userId);
      const recent = await countProgressUpdatesLast7Days(m, userId);

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
        const id = await insertRecommendation(m, { userId, type: p.type, itemId: p.itemId, score: p.score, reason: p.reason });
        cards.push({ id, ...p });
      }
      return cards;
    });
  }
}

/** How many recommendations and quiz results the dashboard shows. */
const RECENT = 5;
const round1 = (x: number) => Math.round(Number(x) * 10) / 10;
