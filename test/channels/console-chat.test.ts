import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ConsoleChat } from '../../src/channels/console/console-chat';
import { addContent, makeService } from '../helpers/conversation';
import { forEachBackend } from '../helpers/databases';

forEachBackend('console chat', (backend) => {
  it('answers typed questions with sources and keeps the conversation as one thread', async () => {
    const ds = await backend.dataSource();
    await addContent(ds, [
      {
        title: 'Frobnicating the Zentrix ledger',
        content: 'Zentrix ledgers are frobnicated every Friday by the finance team. Export the ledger before you frobnicate it.',
      },
    ]);
    const out = new PassThrough();
    let printed = '';
    out.on('data', (d) => (printed += d));
    const chat = new ConsoleChat(makeService(ds), { id: `console-${Date.now()}`, profile: { name: 'Terminal Tester' } }, out, false);
    const input = new PassThrough();
    const done = chat.repl(input);
    input.write('When is the Zentrix ledger frobnicated?\n');
    input.write('And what before that?\n');
    input.end('exit\n');
    await done;
    assert.match(printed, /chatting as Terminal Tester/);
    assert.match(printed, /every Friday/);
    assert.match(printed, /\[1\] Frobnicating the Zentrix ledger/);
    assert.match(printed, /Confidence \d+%/);
    const rows = await ds.query(
      `SELECT thread_id, conversation_id FROM chat_messages cm JOIN users u ON u.id = cm.user_id WHERE u.name = 'Terminal Tester'`,
    );
    assert.equal(rows.length, 2);
    assert.equal(new Set(rows.map((r: { thread_id: string }) => r.thread_id)).size, 1, 'one thread per run');
  });
});
