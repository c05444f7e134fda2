import * as assert from 'node:assert/strict';
import { JournalStreamReader } from '../../../src/core/recovery/journalCursor';

describe('JournalStreamReader (the remote follower\'s output)', () => {
  it('moves the cursor by the bytes of each whole line, also across chunks split inside a UTF-8 character', () => {
    const reader = new JournalStreamReader(undefined);
    const output = Buffer.from('#spotbox-journal 42 100\n{"type":"a","note":"é"}\n{"type":"b"}\n{"ty', 'utf8');
    const split = output.indexOf(Buffer.from('é')) + 1; // inside the two bytes of é
    assert.deepEqual(reader.push(output.subarray(0, split)), []);
    assert.deepEqual(reader.push(output.subarray(split)), ['{"type":"a","note":"é"}', '{"type":"b"}']);
    assert.deepEqual(reader.cursor, { inode: 42, offset: 100 + Buffer.byteLength('{"type":"a","note":"é"}\n') + Buffer.byteLength('{"type":"b"}\n') });
    assert.deepEqual(reader.push(Buffer.from('pe":"c"}\n#spotbox-journal 43 0\n{"type":"d"}\n')), ['{"type":"c"}', '{"type":"d"}']);
    assert.deepEqual(reader.cursor, { inode: 43, offset: 13 }, 'a mark starts the count again in the new file');
  });

  it('keeps the cursor it was given until the follower marks where it reads', () => {
    const reader = new JournalStreamReader({ inode: 7, offset: 30 });
    assert.deepEqual(reader.cursor, { inode: 7, offset: 30 });
    reader.push(Buffer.from('#spotbox-journal nonsense\n'));
    assert.deepEqual(reader.cursor, { inode: 7, offset: 30 + 26 }, 'a malformed mark is an ordinary line');
  });
});
