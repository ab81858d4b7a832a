import { type Activity, CloudAdapter, type InvokeResponse, type TurnContext } from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';

// What process() runs on the body (timestamp strings to Dates); botbuilder does not re-export it.
export { validateAndFixActivity } from 'botbuilder/lib/activityValidator';

/**
 * CloudAdapter whose route handling is ours: `process()` console.error()s every refused request as a
 * multi-line stack trace and answers with botbuilder's error text. `runActivity` is the same call
 * (token validation, the turn, the invoke response) with the outcome returned to the route, which
 * logs it once and answers.
 */
export class RouteAdapter extends CloudAdapter {
  runActivity(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
}

/** Whether botbuilder refused the request's credentials (the answer is 401). */
export function isAuthenticationError(err: unknown): err is Error {
  return err instanceof AuthenticationError || (err as { name?: string })?.name === 'AuthenticationError';
}
