import { CURSOR_MARK, type JournalCursor } from './journalCursor';

/**
 * The follower that runs on the box (python3 is there: the agent needs it). `tail -F` cannot say
 * where it is, so this prints a mark line (`#spotbox-journal <inode> <offset>`) whenever it starts
 * on a file, then whole lines only. Resuming: the file it read before is now `<journal>.1` (the agent
 * rotated it) -> the rest of that first, then the new journal from byte 0; the same file, shorter
 * than the offset (truncated) -> from byte 0; no cursor -> `.1` and the journal from the start, so a
 * window opened mid-recovery still sees the notice. It exits once its SSH session is gone (its
 * parent changes) rather than on its next write only. No single quotes: it travels inside them.
 */
const FOLLOWER = `
import os, sys, time
path, ino, off = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out, parent = sys.stdout.buffer, os.getppid()
def inode(p):
    try:
        return os.stat(p).st_ino
    except OSError:
        return 0
def mark(i, o):
    out.write(b"${CURSOR_MARK} %d %d\\n" % (i, o))
    out.flush()
def drain(f, o):
    f.seek(o)
    data = f.read()
    end = data.rfind(b"\\n") + 1
    out.write(data[:end])
    out.flush()
    return o + end
if ino == 0 or (ino != inode(path) and ino == inode(path + ".1")):
    try:
        with open(path + ".1", "rb") as f:
            i = os.fstat(f.fileno()).st_ino
            if ino in (0, i):
                mark(i, off if ino else 0)
                drain(f, off if ino else 0)
    except OSError:
        pass
    ino = off = 0
while os.getppid() == parent:
    try:
        f = open(path, "rb")
    except OSError:
        time.sleep(0.2)
        continue
    with f:
        i = os.fstat(f.fileno()).st_ino
        if i != ino or os.fstat(f.fileno()).st_size < off:
            ino, off = i, 0
        mark(ino, off)
        while os.getppid() == parent:
            off = drain(f, off)
            if inode(path) != ino:
                drain(f, off)
                break
            if os.fstat(f.fileno()).st_size < off:
                off = 0
                mark(ino, off)
            time.sleep(0.2)
`;

/** The remote command that follows the journal at `journalPath` (`~/` = the login user's home) from `cursor`. */
export function followJournalCommand(journalPath: string, cursor: JournalCursor | undefined): string {
  // The path stays in the command line: the agent's idle check knows Spotbox's own tail by it.
  const quoted = journalPath.startsWith('~/') ? `"$HOME"/'${journalPath.slice(2).replace(/'/g, `'\\''`)}'` : `'${journalPath.replace(/'/g, `'\\''`)}'`;
  return `exec python3 -u -c '${FOLLOWER.trim()}' ${quoted} ${Math.trunc(cursor?.inode ?? 0)} ${Math.trunc(cursor?.offset ?? 0)} 2>/dev/null`;
}
