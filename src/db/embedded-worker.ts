import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * Runs in a worker thread (embedded-postgres.ts starts it): PGlite executes every query synchronously
 * in WASM, so on the main thread a 300 ms query froze the whole server for 300 ms (HTTP acks, timers,
 * other answers). Here only this thread waits; the app talks to it over the Unix socket as before.
 */
export interface EmbeddedWorkerData {
  /** undefined: in memory */
  dataDir?: string;
  socketPath: string;
}

export type EmbeddedWorkerMessage = { type: 'ready' } | { type: 'failed'; message: string; stack?: string } | { type: 'stopped' };

async function serve(): Promise<void> {
  const { dataDir, socketPath } = workerData as EmbeddedWorkerData;
  const post = (m: EmbeddedWorkerMessage) => parentPort!.postMessage(m);
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await PGlite.create({ dataDir, extensions: { vector } });
    // 100 connections covers every pool we open (app + CLI); the socket server queues queries per transaction.
    server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 100 });
    await server.start();
  } catch (err) {
    post({ type: 'failed', message: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack });
    await db?.close().catch(() => undefined);
    return;
  }
  parentPort!.on('message', async (m: { type: string }) => {
    if (m.type !== 'stop') return;
    await server!.stop().catch(() => undefined);
    await db!.close().catch(() => undefined);
    post({ type: 'stopped' });
  });
  post({ type: 'ready' });
}

void serve();
