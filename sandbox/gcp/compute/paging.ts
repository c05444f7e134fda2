/** Compute's list paging: `maxResults` (default and maximum 500) and an opaque `pageToken`. */
import { GoogleApiError } from '../http/googleError';

export function page<T>(items: readonly T[], query: URLSearchParams): { items: T[]; nextPageToken?: string } {
  const maxResults = Math.min(500, Math.max(1, Number(query.get('maxResults') ?? 500) || 500));
  let offset = 0;
  const token = query.get('pageToken');
  if (token) {
    offset = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, ''));
    if (!Number.isInteger(offset) || offset < 0) {
      throw GoogleApiError.invalidField('pageToken', token, 'Invalid page token.');
    }
  }
  const slice = items.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  return { items: slice, ...(next < items.length ? { nextPageToken: Buffer.from(`offset:${next}`).toString('base64url') } : {}) };
}
