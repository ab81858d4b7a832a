import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { auditLine, secretsInEnv } from './log-audit';

const ROOT = path.resolve(__dirname, '../..');

export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

/**
 * The server as `npm start` runs it (src/index.ts, through ts-node), in a child process, so a test can
 * kill it (-9 or SIGTERM) and start it again on the same database.
 */
export class ServerProcess {
  readonly logs: LogLine[] = [];
  private child?: ChildProcess;
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts it and resolves when GET /readyz answers 200. */
  async start(timeoutMs = 120_000): Promise<void> {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/index.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        PORT: String(this.port),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let buffer = '';
    const secrets = secretsInEnv(this.env);
    child.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        auditLine(line, secrets, `server on port ${this.port}`);
        try {
          this.logs.push(JSON.parse(line));
        } catch {
          this.logs.push({ level: 'raw', msg: line });
        }
        if (process.env.TEST_LOG) process.stderr.write(`[server ${this.port}] ${line}\n`);
      }
    });
    child.stdout!.resume();
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void this.exited.then(() => {
      gone = true;
    });
    for (;;) {
      if (gone)
        throw new Error(
          `the server exited during start-up: ${this.logs
            .slice(-5)
            .map((l) => l.msg)
            .join(' | ')}`,
        );
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error('the server did not become ready in time');
      await sleep(100);
    }
  }

  /** Sends a signal and resolves with how the process ended. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.child || !this.exited) return { code: null, signal: null };
    this.child.kill(signal);
    return this.exited;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (for a child server whose port the test must know in advance). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A database of its own for a child server: a scratch PostgreSQL database (dropped by the returned
 * cleanup), or a fresh embedded data directory. `connect()` reaches it from the test while a server
 * runs (the embedded one through the socket its owner announces in `<dir>.server.json`).
 */
export async function childDatabase(
  kind: 'embedded' | 'postgres',
): Promise<{ env: Record<string, string>; name?: string; connect(): Promise<Client>; admin(): Promise<Client>; cleanup(): Promise<void> }> {
  if (kind === 'postgres') {
    const base = process.env.DATABASE_URL!;
    const name = `la_durable_${process.pid}_${Date.now().toString(36)}`;
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      env: { DATABASE_URL: url.toString() },
      name,
      /** a connection to the server's base database, for statements about this one (ALTER DATABASE) */
      admin: async () => {
        const c = new Client({ connectionString: base });
        await c.connect();
        return c;
      },
      connect: async () => {
        const c = new Client({ connectionString: url.toString() });
        await c.connect();
        return c;
      },
      cleanup: async () => {
        const c = new Client({ connectionString: base });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'la-durable-'));
  const dataDir = path.join(dir, 'pglite');
  const connect = async () => {
    const { socketDir } = JSON.parse(fs.readFileSync(`${dataDir}.server.json`, 'utf8')) as { socketDir: string };
    const c = new Client({ host: socketDir, port: 5432, user: 'postgres', database: 'postgres' });
    await c.connect();
    return c;
  };
  return {
    env: { PGLITE_DATA_DIR: dataDir },
    admin: connect,
    connect,
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
