import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import type { ConversationService } from '../../core/conversation-service';
import type { IncomingMessage, UserProfile } from '../../core/messages';
import { renderText } from './render-text';

export interface ConsoleUser {
  id: string;
  profile: UserProfile;
}

/** The console channel: one conversation per run, every line a message, answered by the shared service. */
export class ConsoleChat {
  private readonly conversationId = `console-${randomUUID()}`;

  constructor(
    private readonly service: ConversationService,
    private readonly user: ConsoleUser,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly color = Boolean((process.stdout as { isTTY?: boolean }).isTTY),
  ) {}

  async ask(text: string): Promise<string> {
    const msg: IncomingMessage = {
      channel: 'console',
      tenantId: 'local',
      platformUserId: this.user.id,
      profile: this.user.profile,
      conversationId: this.conversationId,
      threadId: this.conversationId,
      messageId: randomUUID(),
      text,
    };
    const reply = await this.service.handle(msg);
    return renderText(reply, { color: this.color });
  }

  /** Interactive loop until EOF, `exit` or `quit`. */
  async repl(input: NodeJS.ReadableStream = process.stdin): Promise<void> {
    const rl = readline.createInterface({ input, output: this.out, terminal: Boolean((input as { isTTY?: boolean }).isTTY) });
    this.out.write(`Learning assistant — chatting as ${this.user.profile.name ?? this.user.id}. Type a question, or "exit".\n`);
    rl.setPrompt('\nyou> ');
    rl.prompt();
    for await (const line of rl) {
      const text = line.trim();
      if (text === 'exit' || text === 'quit') break;
      if (text) this.out.write(`\n${await this.ask(text)}\n`);
      rl.prompt();
    }
    rl.close();
  }
}
