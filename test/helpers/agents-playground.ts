import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CLI = require.resolve('@microsoft/m365agentsplayground/cli.js');

/**
 * Microsoft 365 Agents Playground (`@microsoft/m365agentsplayground`, the `agentsplayground` CLI) in a
 * child process: a Teams-like web client on `url` that talks to the bot at `endpoint` and plays the
 * Bot Connector for its replies (serviceUrl http://localhost:<port>/_connector).
 *
 * It runs in a temporary working directory because the CLI writes its log to ./devTools and reads
 * a config file from the working directory; telemetry is off (--dt) and it must not open a browser
 * (TEAMSAPPTESTER_BROWSER=none), which on a machine without a desktop would spawn xdg-open.
 */
export class AgentsPlayground {
  readonly output: string[] = [];
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private dir?: string;
  private actualPort?: number;

  constructor(
    /** the bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages */
    readonly endpoint: string,
    /** the port to ask for (the CLI takes another one when it is busy: `url` tells which) */
    readonly port: number,
    /** msteams by default: personal chat, group chat and a team's channels */
    readonly channel: 'msteams' | 'webchat' | 'emulator' = 'msteams',
  ) {}

  get url(): string {
    if (!this.actualPort) throw new Error('the Playground is not running');
    return `http://localhost:${this.actualPort}`;
  }

  /** Starts the CLI; resolves once it serves its page. */
  async start(timeoutMs = 30_000): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'la-playground-'));
    const child = spawn(process.execPath, [CLI, '-e', this.endpoint, '-c', this.channel, '-p', String(this.port), '--dt'], {
      cwd: this.dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: this.dir,
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_LOGFILE: path.join(this.dir, 'playground.log'),
        APPLICATIONINSIGHTS_LOGDIR: this.dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let gone = false;
    void this.exited.then(() => {
      gone = true;
    });
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.output.push(line);
        if (process.env.TEST_LOG) process.stderr.write(`[playground] ${line}\n`);
        const listening = /Listening on (\d+)/.exec(line);
        if (listening) this.actualPort = Number(listening[1]);
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (gone) throw new Error(`Agents Playground exited during start-up: ${this.output.slice(-5).join(' | ')}`);
      if (this.actualPort) {
        try {
          const res = await fetch(this.url);
          if (res.ok) return;
        } catch {
          /* not serving yet */
        }
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`Agents Playground did not start within ${timeoutMs} ms: ${this.output.slice(-5).join(' | ')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kills it at once (for a process 'exit' handler: synchronous). */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** Stops it (SIGTERM, then SIGKILL after 3 s) and removes its working directory. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && this.exited && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await this.exited;
      clearTimeout(killed);
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
