import os from 'node:os';
import { buildApp } from '../app';
import { ConsoleChat } from '../channels/console/console-chat';
import { loadConfig } from '../config';
import { createLogger } from '../observability/logger';
import { describeError } from './run-cli';

// npm run chat                 interactive
// npm run chat -- "question"   answer once and exit
// CHAT_USER / CHAT_USER_NAME / CHAT_USER_EMAIL choose who you are (default: your OS user name).
async function main(): Promise<void> {
  const config = loadConfig();
  // Quiet by default: the terminal is for the conversation. LOG_LEVEL=info shows the service's logs on stderr.
  const logger = createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn');
  const app = await buildApp(config, logger);
  try {
    const who = config.CHAT_USER ?? os.userInfo().username;
    const chat = new ConsoleChat(app.conversation, {
      id: who,
      profile: { name: config.CHAT_USER_NAME ?? who, email: config.CHAT_USER_EMAIL, emailVerified: true },
    });
    const question = process.argv.slice(2).join(' ').trim();
    if (question) process.stdout.write(`${await chat.ask(question)}\n`);
    else await chat.repl();
  } finally {
    await app.close();
  }
}

main().catch((err) => {
  process.stderr.write(`chat: ${describeError(err)}\n`);
  process.exit(1);
});
