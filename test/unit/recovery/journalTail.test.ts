import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentEvent } from '../../../src/core/recovery/agentEvents';
import { JournalTail, type JournalTailOptions } from '../../../src/core/recovery/journalTail';
import { LocalShellClient } from './localShellClient';

const line = (type: string, n: number): string => `${JSON.stringify({ time: '2026-12-01T10:00:00.000Z', type, n })}\n`;

describe('JournalTail (the remote follower run locally, SSH left out)', function () {
  this.timeout(20_000);
  let home: string;
  let journal: string;
  let tails: JournalTail[];

  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-tail-'));
    journal = path.join(home, '.spotbox', 'journal.jsonl');
    fs.mkdirSync(path.dirname(journal));
    tails = [];
  });
  afterEach(() => {
    tails.forEach((tail) => tail.stop());
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** A tail whose every connection is a new LocalShellClient; `seen` lists `type n` of the events. */
  function follow(overrides: Partial<JournalTailOptions> = {}): { tail: JournalTail; seen: string[]; clients: LocalShellClient[]; until: (count: number) => Promise<void> } {
    const seen: string[] = [];
    const clients: LocalShellClient[] = [];
    const tail = new JournalTail({
      connect: async () => {
        const client = new LocalShellClient(home);
        clients.push(client);
        return client.asClient();
      },
      boxAlive: async () => true,
      onEvent: (event: AgentEvent) => seen.push(`${event.type} ${String(event.fields.n)}`),
      initialBackoffMs: 5,
      ...overrides,
    });
    tails.push(tail);
    tail.start();
    const until = async (count: number): Promise<void> => {
      for (const started = Date.now(); seen.length < count; ) {
        if (Date.now() - started > 10_000) assert.fail(`saw only ${JSON.stringify(seen)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    return { tail, seen, clients, until };
  }

  it('reads a fresh journal from the start, the rotated generation first, and follows new lines', async () => {
    fs.writeFileSync(`${journal}.1`, line('notice', 1));
    fs.writeFileSync(journal, line('progress', 2));
    const { seen, until } = follow();
    await until(2);
    fs.appendFileSync(journal, line('progress', 3));
    await until(3);
    assert.deepEqual(seen, ['notice 1', 'progress 2', 'progress 3']);
  });

  it('resumes after a dropped link at the byte where it stopped: nothing twice, nothing lost', async () => {
    fs.writeFileSync(journal, line('a', 1) + line('a', 2));
    const { tail, seen, clients, until } = follow();
    await until(2);
    const inode = fs.statSync(journal).ino;
    assert.deepEqual(tail.cursor, { inode, offset: fs.statSync(journal).size });
    fs.appendFileSync(journal, line('a', 3));
    await until(3);
    clients[0].drop();
    fs.appendFileSync(journal, line('a', 4));
    await until(4);
    assert.deepEqual(seen, ['a 1', 'a 2', 'a 3', 'a 4']);
    assert.equal(clients.length, 2);
    assert.match(clients[1].commands[0], new RegExp(` ${inode} ${Buffer.byteLength(line('a', 1) + line('a', 2) + line('a', 3))} 2>/dev/null$`), 'the cursor went to the box');
  });

  it('after a rotation while disconnected, finishes the rotated file, then reads the new journal from byte 0', async () => {
    fs.writeFileSync(journal, line('old', 1));
    const { seen, clients, until } = follow();
    await until(1);
    clients[0].drop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    fs.appendFileSync(journal, line('old', 2));
    fs.renameSync(journal, `${journal}.1`);
    fs.writeFileSync(journal, line('new', 3));
    await until(3);
    assert.deepEqual(seen, ['old 1', 'old 2', 'new 3']);
  });

  it('follows a rotation while connected, and a journal truncated in place from its start', async () => {
    fs.writeFileSync(journal, line('old', 1));
    const { tail, seen, until } = follow();
    await until(1);
    fs.appendFileSync(journal, line('old', 2));
    fs.renameSync(journal, `${journal}.1`);
    fs.writeFileSync(journal, line('new', 3));
    await until(3);
    assert.deepEqual(tail.cursor, { inode: fs.statSync(journal).ino, offset: line('new', 3).length });
    tail.stop();
    fs.writeFileSync(journal, line('x', 4)); // Same inode, shorter than the cursor.
    const resumed = follow({ resumeFrom: tail.cursor });
    await resumed.until(1);
    assert.deepEqual(seen, ['old 1', 'old 2', 'new 3']);
    assert.deepEqual(resumed.seen, ['x 4']);
  });

  it('stops reconnecting once the box is gone, and on stop() even in the middle of its backoff', async () => {
    let alive = true;
    let connects = 0;
    const gone = new JournalTail({ connect: async () => (connects++, Promise.reject(new Error('ECONNREFUSED'))), boxAlive: async () => alive, onEvent: () => undefined, initialBackoffMs: 1, maxBackoffMs: 2 });
    gone.start();
    while (connects < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    alive = false;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = connects;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(connects, after);

    let slowConnects = 0;
    const slow = new JournalTail({ connect: async () => (slowConnects++, Promise.reject(new Error('ECONNREFUSED'))), boxAlive: async () => true, onEvent: () => undefined, initialBackoffMs: 60_000 });
    slow.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    slow.stop();
    assert.equal(slowConnects, 1);
  });
});
