/**
 * Where a tail of the agent journal stands: which file (its inode on the box, so a rotated or
 * replaced journal is told apart from the one that was being read) and how many bytes of it were read.
 */
export interface JournalCursor {
  readonly inode: number;
  readonly offset: number;
}

/** Marks the file and offset the remote follower reads from next; journal lines are JSON and never start with `#`. */
export const CURSOR_MARK = '#spotbox-journal';

/**
 * Splits the remote follower's output into journal lines, keeping the cursor up to date: a mark line
 * sets it, each whole journal line moves it on by its bytes. Works on bytes, not decoded text, so a
 * chunk that ends inside a UTF-8 character cannot put the offset out of step.
 */
export class JournalStreamReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private current: JournalCursor | undefined) {}

  get cursor(): JournalCursor | undefined {
    return this.current;
  }

  /** The journal lines completed by this chunk, in order. */
  push(chunk: Buffer): string[] {
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let end = this.pending.indexOf(0x0a, start); end !== -1; end = this.pending.indexOf(0x0a, start)) {
      const line = this.pending.toString('utf8', start, end);
      const bytes = end + 1 - start;
      start = end + 1;
      const mark = markOf(line);
      if (mark) {
        this.current = mark;
      } else {
        if (this.current) {
          this.current = { inode: this.current.inode, offset: this.current.offset + bytes };
        }
        lines.push(line);
      }
    }
    this.pending = this.pending.subarray(start);
    return lines;
  }
}

function markOf(line: string): JournalCursor | undefined {
  if (!line.startsWith(`${CURSOR_MARK} `)) {
    return undefined;
  }
  const [inode, offset] = line.slice(CURSOR_MARK.length + 1).split(' ').map(Number);
  return Number.isSafeInteger(inode) && Number.isSafeInteger(offset) ? { inode: inode, offset: offset } : undefined;
}
