import type { Logger } from '../../../observability/logger';

/**
 * The receiver answers Slack only when every listener has returned (processBeforeResponse, so that
 * messages are acknowledged once stored). Button clicks and the Home tab are quick interactions that
 * ack first and then work (a database write, a private reply, views.publish): they must not hold the
 * HTTP response, so their work runs on after the listener returns. The handler calls ack()
 * synchronously before its first await, which is what the response carries.
 */
export function afterAck<A>(logger: Logger, what: string, handler: (args: A) => Promise<void>): (args: A) => Promise<void> {
  return async (args: A) => {
    handler(args).catch((err) => logger.error({ err, component: 'slack', what }, 'Slack interaction failed after its ack'));
  };
}
