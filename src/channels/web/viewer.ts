import type { Response } from 'express';

export type ViewerRole = 'employee' | 'manager' | 'admin';

/** The person using the console: a `users` row, reached through a signed-in session or the loopback developer. */
export interface Viewer {
  userId: string;
  name: string;
  email: string | null;
  role: ViewerRole;
  /** how this viewer got in: an OpenID Connect session, or development without a provider from this machine */
  via: 'oidc' | 'loopback';
}

/** Set by the access middleware (auth/access.ts) before any console page or API runs. */
export function viewerOf(res: Response): Viewer {
  const viewer = res.locals.viewer as Viewer | undefined;
  if (!viewer) throw new Error('viewerOf() before the access middleware: mount the route behind requireViewer');
  return viewer;
}
