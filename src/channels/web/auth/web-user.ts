import { findUserById, type WebUserRow } from '../../../db/repositories/web-user-repository';
import { inServiceScope } from '../../../db/user-scope';
import type { Viewer, ViewerRole } from '../viewer';
import type { WebDeps } from '../web-deps';

/** The users row behind a session, read fresh (a changed role or a deleted user applies to the next request). */
export async function loadViewer(deps: Pick<WebDeps, 'ds'>, userId: string, via: Viewer['via']): Promise<Viewer | null> {
  const row = await inServiceScope(deps.ds, (m) => findUserById(m, userId));
  return row ? viewerOf(row, via) : null;
}

export function viewerOf(row: WebUserRow, via: Viewer['via']): Viewer {
  return { userId: row.id, name: row.name, email: row.email, role: roleOf(row.role), via };
}

function roleOf(role: string | null): ViewerRole {
  return role === 'admin' || role === 'manager' ? role : 'employee';
}
