import type { types } from '@slack/bolt';
import { type SourceRef, sourceUrl } from '../../../core/messages';
import { oneLine } from './answer-blocks';
import { truncate } from './mrkdwn';

/** The task's id in the stream (a later task_update with the same id would update this step). */
export const RETRIEVAL_TASK_ID = 'retrieval';
export const RETRIEVAL_TASK_TITLE = 'Searched the learning content';
/** Slack's limit for a task's details and output text. */
export const TASK_TEXT_LIMIT = 256;
/** link chips shown on the step at most (the service retrieves 5 passages by default) */
export const MAX_STEP_SOURCES = 10;
const MAX_SOURCE_TEXT = 150;

/**
 * The search as a completed task step, shown in the streamed answer before its text (a task_update chunk):
 *
 *   ✓ Searched the learning content       title
 *     5 passages found                    details
 *     [1] Title ↗  [3] Title ↗            sources: the passages with an http(s) link, numbered as the answer cites them
 *     [2] Title · [4] Title               output: the passages without a link (a source chip needs a url)
 *
 * Text here is plain (titles are not escaped for mrkdwn). Pure.
 */
export function retrievalStep(sources: SourceRef[]): types.TaskUpdateChunk {
  const label = (s: SourceRef) => `[${s.n}] ${oneLine(s.title) || `Source ${s.n}`}`;
  const linked: types.URLSourceElement[] = [];
  const unlinked: string[] = [];
  for (const s of sources) {
    const url = sourceUrl(s.url);
    if (url && linked.length < MAX_STEP_SOURCES) linked.push({ type: 'url', url, text: truncate(label(s), MAX_SOURCE_TEXT) });
    else unlinked.push(label(s));
  }
  return {
    type: 'task_update',
    id: RETRIEVAL_TASK_ID,
    title: RETRIEVAL_TASK_TITLE,
    status: 'complete',
    details: `${sources.length} ${sources.length === 1 ? 'passage' : 'passages'} found`,
    ...(unlinked.length ? { output: truncate(unlinked.join(' · '), TASK_TEXT_LIMIT) } : {}),
    ...(linked.length ? { sources: linked } : {}),
  };
}
