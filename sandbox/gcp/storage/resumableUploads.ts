/**
 * `uploadType=resumable`: the first POST opens a session (its URI in `Location`), then PUTs send
 * chunks with `Content-Range: bytes a-b/total` (`*` while the total is unknown). Every chunk but
 * the last must be a multiple of 256 KiB; an unfinished session answers 308 with `Range`.
 */
import { randomBytes } from 'node:crypto';
import { GoogleApiError } from '../http/googleError';
import type { NewObject, Preconditions } from './objectStore';

export const CHUNK_GRANULARITY = 256 * 1024;

export interface UploadSession {
  readonly id: string;
  readonly bucket: string;
  readonly name: string;
  readonly fields: NewObject;
  readonly preconditions: Preconditions;
  readonly chunks: Buffer[];
  received: number;
  total?: number;
}

export type ChunkResult = { kind: 'incomplete'; received: number } | { kind: 'complete'; data: Buffer };

export class ResumableUploads {
  private readonly sessions = new Map<string, UploadSession>();

  open(bucket: string, name: string, fields: NewObject, preconditions: Preconditions): UploadSession {
    const session: UploadSession = { id: randomBytes(24).toString('base64url'), bucket, name, fields, preconditions, chunks: [], received: 0 };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string): UploadSession {
    const session = this.sessions.get(id);
    if (!session) {
      throw new GoogleApiError(404, 'No such upload session (it finished, was cancelled, or never existed).', 'notFound');
    }
    return session;
  }

  cancel(id: string): void {
    this.sessions.delete(id);
  }

  /** Applies one PUT; `contentRange` absent means the whole object in one request. */
  chunk(session: UploadSession, contentRange: string | undefined, body: Buffer): ChunkResult {
    if (contentRange === undefined) {
      return this.finish(session, [...session.chunks, body]);
    }
    const status = /^bytes \*\/(\d+|\*)$/.exec(contentRange);
    if (status) {
      // A status query ("where are we?"), or the final empty PUT naming the total.
      if (status[1] !== '*' && Number(status[1]) === session.received) {
        return this.finish(session, session.chunks);
      }
      return { kind: 'incomplete', received: session.received };
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange);
    if (!range) {
      throw new GoogleApiError(400, `Invalid Content-Range: ${contentRange}`, 'invalid');
    }
    const [first, last] = [Number(range[1]), Number(range[2])];
    const total = range[3] === '*' ? undefined : Number(range[3]);
    if (last - first + 1 !== body.length) {
      throw new GoogleApiError(400, `Content-Range ${contentRange} does not match the ${body.length} bytes sent.`, 'invalid');
    }
    if (first > session.received) {
      throw new GoogleApiError(400, `Chunk starts at ${first} but only ${session.received} bytes were received.`, 'invalid');
    }
    // A retried chunk overlapping what is stored keeps only the new part.
    const fresh = body.subarray(session.received - first);
    const isLast = total !== undefined && last + 1 === total;
    if (!isLast && (last + 1) % CHUNK_GRANULARITY !== 0) {
      throw new GoogleApiError(400, `Chunks other than the last must be multiples of ${CHUNK_GRANULARITY} bytes.`, 'invalid');
    }
    session.chunks.push(fresh);
    session.received += fresh.length;
    session.total = total ?? session.total;
    return isLast ? this.finish(session, session.chunks) : { kind: 'incomplete', received: session.received };
  }

  private finish(session: UploadSession, chunks: Buffer[]): ChunkResult {
    this.sessions.delete(session.id);
    return { kind: 'complete', data: Buffer.concat(chunks) };
  }
}
