import type { RequestHandler } from 'express';

/**
 * Acks before answers. Slack wants the HTTP 200 within 3 seconds and retries (and eventually turns the
 * subscription off) when it is late; an answer has no deadline. Answering runs on the same event loop
 * (with the embedded database, queries execute synchronously on it), so answer work started while a
 * burst of events is still being read delays the rest of that burst's acks.
 *
 * The gate counts Slack requests from arrival until their response is finished; answer work waits at
 * its checkpoints (before it starts, between its stages) until none is pending, or `maxWaitMs` at
 * most, so a steady stream of events slows answers down but never stops them.
 */
export class AckGate {
  private pending = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly maxWaitMs = 200) {}

  /** requests waiting for their response right now */
  get inFlight(): number {
    return this.pending;
  }

  /**
   * Express middleware for the Slack route (before Bolt's receiver). A request counts from the moment
   * its whole body has arrived (Bolt reads it at once) until its response is finished: a client that
   * never finishes sending (a slow-request attack, nothing Slack would do) never holds answer work.
   */
  readonly middleware: RequestHandler = (req, res, next) => {
    let entered = false;
    let left = false;
    const enter = () => {
      if (entered || left) return;
      entered = true;
      this.pending++;
    };
    const leave = () => {
      if (left) return;
      left = true;
      if (entered && --this.pending === 0) this.release();
    };
    req.once('end', enter);
    res.once('finish', leave);
    res.once('close', leave);
    next();
  };

  /** Resolves when no Slack request is waiting for its ack, or after `maxWaitMs`. */
  quiet(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let done = false;
      const go = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(go, this.maxWaitMs);
      this.waiters.push(go);
    });
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    // On the next turn: responses finishing in this turn may be followed by requests parsed in it.
    if (waiters.length)
      setImmediate(() => {
        for (const go of waiters) go();
      });
  }
}

/** A gate that never waits (Socket Mode acks travel over the WebSocket, not through express). */
export const OPEN_GATE: Pick<AckGate, 'quiet'> = { quiet: () => Promise.resolve() };
