/**
 * `uploadType=multipart`: a multipart/related body, the object's JSON metadata first and its
 * bytes second, each part with its own Content-Type.
 */
import { GoogleApiError } from '../http/googleError';

export interface MultipartUpload {
  readonly metadata: Record<string, unknown>;
  readonly contentType?: string;
  readonly data: Buffer;
}

export function parseMultipartRelated(body: Buffer, contentTypeHeader: string | undefined): MultipartUpload {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentTypeHeader ?? '')?.[1];
  if (!boundary || !/^multipart\/related/i.test(contentTypeHeader ?? '')) {
    throw new GoogleApiError(400, 'Multipart upload needs Content-Type multipart/related with a boundary.', 'badContent');
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') {
      break;
    }
    const next = body.indexOf(delimiter, start);
    if (next < 0) {
      break;
    }
    // Each part runs from after the delimiter's CRLF to the CRLF before the next delimiter.
    parts.push(body.subarray(start + 2, next - 2));
    at = next;
  }
  if (parts.length !== 2) {
    throw new GoogleApiError(400, `Multipart upload must have 2 parts (metadata and media), found ${parts.length}.`, 'badContent');
  }
  const [metadataPart, mediaPart] = parts.map(splitPart);
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(metadataPart.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new GoogleApiError(400, 'The metadata part of the multipart upload is not JSON.', 'parseError');
  }
  return { metadata, contentType: mediaPart.headers['content-type'], data: mediaPart.body };
}

function splitPart(part: Buffer): { headers: Record<string, string>; body: Buffer } {
  const end = part.indexOf('\r\n\r\n');
  const headerText = end >= 0 ? part.subarray(0, end).toString('utf8') : '';
  const headers: Record<string, string> = {};
  for (const line of headerText.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return { headers, body: end >= 0 ? part.subarray(end + 4) : part };
}
