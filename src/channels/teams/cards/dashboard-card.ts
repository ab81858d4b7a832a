import type { PersonalDashboard } from '../../../core/learning';
import type { RecommendationCard } from '../../../core/messages';
import { type AdaptiveCard, type CardElement, card, text, truncate } from './adaptive';
import { recommendationContainer } from './answer-card';
import { ago, itemLabel, pct, progressBar } from './format';

/** items with a bar on the dashboard (the rest: say "progress") */
export const DASHBOARD_PROGRESS_ITEMS = 5;

/**
 * The personal dashboard: totals, the items in progress with bars, recent quiz results and recent
 * recommendations (Start/Read buttons on those not opened yet). Pure: dates relative to generatedAt.
 */
export function buildDashboardCard(d: PersonalDashboard): AdaptiveCard {
  const now = d.generatedAt;
  const t = d.totals;
  const body: CardElement[] = [
    text('Your learning dashboard', { size: 'large', weight: 'bolder' }),
    text([d.user.name, d.user.department].filter(Boolean).join(' · ') || ' ', { isSubtle: true, spacing: 'none' }),
    {
      type: 'FactSet',
      spacing: 'medium',
      facts: [
        { title: 'Overall progress', value: `${progressBar(t.overallProgress)} ${pct(t.overallProgress)}` },
        { title: 'Courses completed', value: `${t.coursesCompleted} of ${t.coursesTotal}` },
        { title: 'Skills completed', value: `${t.skillsCompleted} of ${t.skillsTotal}` },
        { title: 'In progress', value: String(t.inProgress) },
        {
          title: 'Quizzes',
          value: t.quizzesTaken
            ? `${t.quizzesTaken} taken, ${t.quizzesPassed} passed, average ${pct(t.averageQuizScore ?? 0)}`
            : 'none yet',
        },
        { title: 'Updates in the last 7 days', value: String(t.progressUpdates7d) },
      ],
    },
  ];

  const active = d.progress.filter((p) => !p.completed);
  body.push(text('In progress', { weight: 'bolder', separator: true, spacing: 'medium' }));
  if (active.length) {
    for (const p of active.slice(0, DASHBOARD_PROGRESS_ITEMS)) {
      body.push(text(`${truncate(p.title, 80)} · ${itemLabel(p.itemType)}`, { spacing: 'small', size: 'small' }));
      body.push(text(`${progressBar(p.percent)} ${pct(p.percent)}`, { fontType: 'monospace', spacing: 'none', size: 'small' }));
    }
    if (active.length > DASHBOARD_PROGRESS_ITEMS)
      body.push(
        text(`…and ${active.length - DASHBOARD_PROGRESS_ITEMS} more: say **progress** for all of them.`, { isSubtle: true, size: 'small' }),
      );
  } else {
    body.push(text('Nothing in progress. Say **recommend** for ideas.', { isSubtle: true, size: 'small' }));
  }

  body.push(text('Recent quiz results', { weight: 'bolder', separator: true, spacing: 'medium' }));
  if (d.recentQuizzes.length) {
    body.push({
      type: 'FactSet',
      spacing: 'small',
      facts: d.recentQuizzes.map((q) => ({
        title: truncate(q.title, 60),
        value: `${pct(q.score)} · ${q.late ? 'late' : q.passed ? 'passed' : 'not passed'} · ${ago(q.completedAt, now)}`,
      })),
    });
  } else {
    body.push(text('No quizzes yet. Say **quiz** to take one.', { isSubtle: true, size: 'small' }));
  }

  body.push(text('Recent recommendations', { weight: 'bolder', separator: true, spacing: 'medium' }));
  if (d.recentRecommendations.length) {
    for (const r of d.recentRecommendations) {
      if (r.available && !r.clicked) {
        body.push(
          recommendationContainer({ id: r.id, type: r.type, itemId: r.itemId, title: r.title, score: r.score, reason: r.reason ?? '' }),
        );
      } else {
        body.push(
          text(`${truncate(r.title, 80)} · ${itemLabel(r.type)} · ${r.clicked ? 'opened' : 'no longer available'}`, {
            size: 'small',
            isSubtle: true,
            spacing: 'small',
          }),
        );
      }
    }
  } else {
    body.push(text('None yet. Say **recommend** to get some.', { isSubtle: true, size: 'small' }));
  }
  return card(body);
}

/** Fresh recommendations ("recommend"): the answer card's recommendation containers with Start/Read buttons. Pure. */
export function buildRecommendationsCard(recs: RecommendationCard[]): AdaptiveCard {
  if (!recs.length) {
    return card([
      text(
        'Nothing new to recommend right now: you have started or completed everything I would suggest. Ask me a question to explore further.',
      ),
    ]);
  }
  return card([
    text('Recommended for you', { size: 'large', weight: 'bolder' }),
    text('Based on your progress: what to start next.', { isSubtle: true, spacing: 'none' }),
    ...recs.map(recommendationContainer),
  ]);
}
