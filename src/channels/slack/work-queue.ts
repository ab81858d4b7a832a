/**
 * Runs at most `concurrency` tasks at once, first come first served, and knows what is still running
 * so shutdown can wait for it. Answers run here after Slack's 3-second ack: a burst of events queues
 * up instead of opening more transactions than the database pool has connections.
 */
export class WorkQueue {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('WorkQueue: concurrency must be a positive integer');
  }

  /** tasks running or waiting */
  get size(): number {
    return this.active + this.waiting.length;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    const p = this.acquire().then(async () => {
      try {
        return await task();
      } finally {
        this.release();
      }
    });
    this.running.add(p);
    const forget = () => this.running.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Resolves when everything queued so far has finished (true), or after `timeoutMs` (false). */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    try {
      while (this.running.size) {
        const done = await Promise.race([Promise.allSettled([...this.running]).then(() => true as const), timeout]);
        if (!done) return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => { this.active++; resolve(); }));
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}
