import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOpenAI } from '@langchain/openai';

export interface ChatModelConfig {
  /** No key -> no model (the answer layer then runs extractive-only). */
  apiKey?: string;
  /** OpenAI-compatible base URL including /v1 (e.g. Azure/OpenRouter/local proxy). Default: OpenAI. */
  baseUrl?: string;
  model: string;
  /** Per-request HTTP timeout in ms (the answer chain also enforces its own timeout). */
  timeoutMs: number;
}

/**
 * ChatOpenAI for the answer chain, or undefined when no API key is configured.
 *
 * maxRetries: 0 — LangChain's ChatOpenAI otherwise retries failed calls up to 6 times with
 * exponential backoff (its AsyncCaller; the underlying OpenAI SDK client is always created with
 * maxRetries 0 by LangChain). Retries would exceed the chat timeout and keep hitting a
 * rate-limited API; the answer chain falls back to an extractive answer instead.
 */
export function createChatModel(cfg: ChatModelConfig): BaseChatModel | undefined {
  const apiKey = cfg.apiKey?.trim();
  if (!apiKey) return undefined;
  const baseURL = cfg.baseUrl?.trim() || undefined;
  return new ChatOpenAI({
    apiKey,
    model: cfg.model,
    temperature: 0.2,
    maxRetries: 0,
    timeout: cfg.timeoutMs > 0 ? cfg.timeoutMs : undefined,
    ...(baseURL ? { configuration: { baseURL } } : {}),
  });
}
