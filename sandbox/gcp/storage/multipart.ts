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
  // apitools (gcloud) quotes the boundary with single quotes and ends lines with a bare LF.
  const quoted = /boundary=(?:"([^"]+)"|'([^']+)'|([^;\s]+))/i.exec(contentTypeHeader ?? '');
  const boundary = quoted?.[1] ?? quoted?.[2] ?? quoted?.[3];
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
    // Each part runs from after the delimiter's line end to the line end before the next delimiter.
    const from = body[start] === 0x0d && body[start + 1] === 0x0a ? start + 2 : body[start] === 0x0a ? start + 1 : start;
    const to = body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : body[next - 1] === 0x0a ? next - 1 : next;
    parts.push(body.subarray(from, Math.max(from, to)));
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
  const crlf = part.indexOf('\r\n\r\n');
  const lf = part.indexOf('\n\n');
  const [end, separator] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : [lf, 2];
  const headerText = end >= 0 ? part.subarray(0, end).toString('utf8') : '';
  const headers: Record<string, string> = {};
  for (const line of headerText.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return { headers, body: end >= 0 ? part.subarray(end + separator) : part };
}
