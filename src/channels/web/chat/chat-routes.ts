import express, { type Router } from 'express';
import type { WebAccess } from '../web-access';
import type { WebDeps } from '../web-deps';

// Placeholder: filled in by the web console work (issue 14).
export function chatRoutes(_deps: WebDeps, _access: WebAccess): Router {
  return express.Router();
}
