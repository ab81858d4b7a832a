import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../observability/logger';
import type { EmbeddedWorkerData, EmbeddedWorkerMessage } from './embedded-worker';

/**
 * The zero-configuration database: PGlite (PostgreSQL compiled to WASM) with pgvector, served through
 * pglite-socket so the app talks to it with the same `pg` driver and TypeORM code path as production.
 * Both run in a worker thread (embedded-worker.ts), so a query never blocks the app's event loop.
 * The socket server has no authentication and every connection is a superuser, so it listens on a
 * Unix socket in a directory only this OS user can enter (0700), never on a TCP port: other local
 * users cannot reach it. The data directory is 0700 and the server file 0600 too. (typeorm-pglite shares one session across concurrent transactions; the socket
 * server isolates them, see PITFALLS.md.) All socket connections share one backend, so the app only
 * ever uses SET LOCAL / set_config(..., true).
 *
 * A data directory can be opened by one process only. The owner writes `<dataDir>.server.json` with
 * its pid and socket directory; a second process of the same user (e.g. `npm run chat` beside `npm start`) connects to that server
 * instead of opening the files again.
 */
export interface EmbeddedPostgres {
  url: string;
  /** the directory of the Unix socket (what `pg` takes as host) */
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
      opts.logger?.info({ socketDir: existing.host }, 'embedded database already served by another process; joining it');
      return { ...existing, owned: false, stop: async () => {} };
    }
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    // PGlite creates it on first start; either way only this user may read the files
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dataDir, 0o700);
  }

  // A fresh 0700 directory per server (mkdtemp): short enough for a socket path, private to this user.
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'la-pglite-'));
  fs.chmodSync(socketDir, 0o700);
  let worker: Worker;
  try {
    worker = await startWorker(
      { dataDir: inMemory ? undefined : dataDir, socketPath: path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`) },
      opts.logger,
    );
  } catch (err) {
    fs.rmSync(socketDir, { recursive: true, force: true });
    throw err;
  }
  if (lockFile) fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid, socketDir }), { mode: 0o600 });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', removeLock);
    removeLock();
    await stopWorker(worker);
    fs.rmSync(socketDir, { recursive: true, force: true });
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
  return { ...socketAddress(socketDir), owned: true, stop };
}

/** Starts embedded-worker.ts (through ts-node when running from sources) and waits until it serves. */
function startWorker(data: EmbeddedWorkerData, logger?: Logger): Promise<Worker> {
  const script = path.join(__dirname, `embedded-worker${path.extname(__filename)}`);
  const worker = script.endsWith('.ts')
    ? new Worker(`require('ts-node').register({ transpileOnly: true }); require(${JSON.stringify(script)});`, {
        eval: true,
        workerData: data,
      })
    : new Worker(script, { workerData: data });
  return new Promise((resolve, reject) => {
    const onMessage = (m: EmbeddedWorkerMessage) => {
      if (m.type === 'ready') {
        worker.off('error', reject);
        // A crash of the database thread after start-up: every query fails from then on; say why.
        worker.on('error', (err) => logger?.error({ err }, 'the embedded database thread failed'));
        resolve(worker);
      } else if (m.type === 'failed') {
        void worker.terminate();
        reject(Object.assign(new Error(m.message), { stack: m.stack }));
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

async function stopWorker(worker: Worker): Promise<void> {
  const stopped = new Promise<void>((resolve) => {
    worker.on('message', (m: EmbeddedWorkerMessage) => m.type === 'stopped' && resolve());
    worker.once('exit', () => resolve());
  });
  worker.postMessage({ type: 'stop' });
  await stopped;
  await worker.terminate();
}

/** pg reaches a Unix socket as host = its directory, port = the number in `.s.PGSQL.<port>`. */
const SOCKET_PORT = 5432;

function socketAddress(socketDir: string): { url: string; host: string; port: number } {
  return { url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`, host: socketDir, port: SOCKET_PORT };
}

async function findRunningServer(lockFile: string): Promise<{ url: string; host: string; port: number } | undefined> {
  let held: { pid: number; socketDir?: string };
  try {
    held = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (!held.socketDir || held.pid === process.pid || !isAlive(held.pid)) return undefined;
  const socketPath = path.join(held.socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  if (!(await canConnect(socketPath))) return undefined;
  return socketAddress(held.socketDir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
