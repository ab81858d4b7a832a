import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../observability/logger';

/**
 * The zero-configuration database: PGlite (PostgreSQL compiled to WASM) with pgvector, served on
 * 127.0.0.1 through pglite-socket so the app talks to it with the same `pg` driver and TypeORM code
 * path as production. (typeorm-pglite shares one session across concurrent transactions; the socket
 * server isolates them, see PITFALLS.md.) All socket connections share one backend, so the app only
 * ever uses SET LOCAL / set_config(..., true).
 *
 * A data directory can be opened by one process only. The owner writes `<dataDir>.server.json` with
 * its pid and port; a second process (e.g. `npm run chat` beside `npm start`) connects to that server
 * instead of opening the files again.
 */
export interface EmbeddedPostgres {
  url: string;
  host: string;
  port: number;
  /** false when we joined a server another process of ours already runs on the same data directory */
  owned: boolean;
  stop(): Promise<void>;
}

export const IN_MEMORY = 'memory://';

export async function startEmbeddedPostgres(opts: { dataDir: string; logger?: Logger }): Promise<EmbeddedPostgres> {
  const inMemory = opts.dataDir === IN_MEMORY;
  const dataDir = inMemory ? IN_MEMORY : path.resolve(opts.dataDir);
  const lockFile = inMemory ? undefined : `${dataDir}.server.json`;

  if (lockFile) {
    const existing = await findRunningServer(lockFile);
    if (existing) {
      opts.logger?.info({ port: existing.port }, 'embedded database already served by another process; joining it');
      return { ...existing, owned: false, stop: async () => {} };
    }
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  }

  const db = await PGlite.create({ dataDir: inMemory ? undefined : dataDir, extensions: { vector } });
  // 100 connections covers every pool we open (app + CLI); the socket server queues queries per transaction.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 100 });
  await server.start();
  const [host, portText] = server.getServerConn().split(':');
  const port = Number(portText);
  if (lockFile) fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid, port }));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', removeLock);
    removeLock();
    await server.stop();
    await db.close();
  };
  const removeLock = () => {
    if (!lockFile) return;
    try {
      const held = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number };
      if (held.pid === process.pid) fs.unlinkSync(lockFile);
    } catch {
      /* already gone */
    }
  };
  process.on('exit', removeLock);
  return { url: `postgres://postgres@${host}:${port}/postgres`, host, port, owned: true, stop };
}

async function findRunningServer(lockFile: string): Promise<{ url: string; host: string; port: number } | undefined> {
  let held: { pid: number; port: number };
  try {
    held = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (held.pid === process.pid || !isAlive(held.pid) || !(await canConnect('127.0.0.1', held.port))) return undefined;
  return { url: `postgres://postgres@127.0.0.1:${held.port}/postgres`, host: '127.0.0.1', port: held.port };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(500);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}
