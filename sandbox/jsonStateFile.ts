import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * Replaces `file` whole: written to a temporary file beside it, then renamed over it, so a sandbox
 * stopped mid-write (or a second process reading it) sees the old state or the new, never half.
 * The temporary name is unique, so two writers never interleave in one temporary file.
 */
export function writeFileAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

/**
 * An emulator's state file, so that a restarted sandbox resumes what it held. State changes in many
 * places; saving a snapshot each time and comparing it with the last one written catches them all
 * without writing the disk when nothing changed.
 */
export class JsonStateFile<T> {
  private written = '';

  constructor(readonly file: string) {}

  save(state: T): void {
    const text = JSON.stringify(state);
    if (text !== this.written) {
      writeFileAtomically(this.file, text);
      this.written = text;
    }
  }

  /** The state last saved, or undefined on a first start. Saving it back unchanged writes nothing. */
  load(): T | undefined {
    if (!fs.existsSync(this.file)) {
      return undefined;
    }
    const text = fs.readFileSync(this.file, 'utf8');
    this.written = text;
    return JSON.parse(text) as T;
  }
}
