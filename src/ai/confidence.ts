/**
 * Answer confidence in [0, 1] — a cheap, explainable heuristic (not a calibrated probability).
 *
 *   confidence = clamp01( (0.5·R + 0.2·A + 0.3·C) × M ), rounded to 2 decimals
 *
 * R — retrieval strength: the top passage's cosine similarity through a linear ramp,
 *     R = clamp01((sim − 0.20) / (0.60 − 0.20)). With OpenAI text-embedding-3 vectors unrelated
 *     text typically scores ≲ 0.2 and a passage that really answers the question ≳ 0.5–0.6.
 *     Keyword-only hits (similarity null) get a neutral R = 0.5.
 * A — agreement of the top 3: the share of passages #2 and #3 that support #1, i.e. are from the
 *     same item (same title) or have a similarity within 0.05 of #1. With a single passage there
 *     is no evidence either way: A = 0.5.
 * C — citations: distinct valid citations in the answer (numbers 1..passages.length),
 *     C = min(cited, 2) / 2 → 0, 0.5 or 1.
 * M — penalties (multiplied together):
 *     · "not covered" answer (no valid citations AND either extractive or the text says the content
 *       does not cover it): M = 0.2, so confidence ≤ 0.2;
 *     · partial answer (cites something but also says part is not covered): × 0.6;
 *     · LLM answer without any valid citation (ungrounded): × 0.5;
 *     · extractive answer (no model configured, or model fallback — quoted sentences may not
 *       answer the question directly): × 0.8.
 * No passages at all → 0.
 */
import type { Answer, Passage } from './answer-types';

export const SIM_FLOOR = 0.2;
export const SIM_CEIL = 0.6;
const AGREEMENT_SIM_DELTA = 0.05;

const W_RETRIEVAL = 0.5;
const W_AGREEMENT = 0.2;
const W_CITATIONS = 0.3;

const NOT_COVERED_FACTOR = 0.2;
const PARTIAL_FACTOR = 0.6;
const UNCITED_LLM_FACTOR = 0.5;
const EXTRACTIVE_FACTOR = 0.8;

const NOT_COVERED_RE =
  /\b(?:(?:does|do|did)(?:n['’]t| not)\s+(?:seem to\s+|appear to\s+)?(?:cover|include|contain|mention|address)|not covered|no information (?:about|on))\b/i;

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** True when the answer text says the learning content does not cover the question. */
export function saysNotCovered(text: string): boolean {
  return NOT_COVERED_RE.test(text);
}

function normTitle(t: string): string {
  return t.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function computeConfidence(passages: Passage[], answer: Answer): number {
  if (!Array.isArray(passages) || passages.length === 0) return 0;
  const top = passages[0];

  // R: retrieval strength of the best passage.
  const sim = top.similarity;
  const R = sim === null || sim === undefined || !Number.isFinite(sim) ? 0.5 : clamp01((sim - SIM_FLOOR) / (SIM_CEIL - SIM_FLOOR));

  // A: do #2 and #3 back up #1?
  const others = passages.slice(1, 3);
  let A = 0.5;
  if (others.length > 0) {
    const topTitle = normTitle(top.title ?? '');
    const supporters = others.filter((p) => {
      const sameItem = topTitle !== '' && normTitle(p.title ?? '') === topTitle;
      const close =
        sim !== null &&
        p.similarity !== null &&
        Number.isFinite(sim) &&
        Number.isFinite(p.similarity) &&
        sim - p.similarity <= AGREEMENT_SIM_DELTA;
      return sameItem || close;
    }).length;
    A = supporters / others.length;
  }

  // C: how many passages the answer actually cites.
  const cited = new Set((answer.citedIndexes ?? []).filter((n) => Number.isInteger(n) && n >= 1 && n <= passages.length));
  const C = Math.min(cited.size, 2) / 2;

  // M: penalties.
  const notCoveredText = saysNotCovered(answer.text ?? '');
  let M = 1;
  if (cited.size === 0 && (answer.mode === 'extractive' || notCoveredText)) M *= NOT_COVERED_FACTOR;
  else if (notCoveredText) M *= PARTIAL_FACTOR;
  else if (cited.size === 0) M *= UNCITED_LLM_FACTOR;
  if (answer.mode === 'extractive') M *= EXTRACTIVE_FACTOR;

  const confidence = clamp01((W_RETRIEVAL * R + W_AGREEMENT * A + W_CITATIONS * C) * M);
  return Math.round(confidence * 100) / 100;
}
