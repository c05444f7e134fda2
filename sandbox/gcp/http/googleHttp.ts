import type * as http from 'node:http';
import type { AccessTokens, IssuedToken } from '../auth/accessTokens';
import { GoogleApiError } from './googleError';

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 1);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: http.ServerResponse, error: unknown): void {
  const apiError = error instanceof GoogleApiError ? error : new GoogleApiError(500, `Internal error: ${error instanceof Error ? error.message : String(error)}`, 'backendError');
  if (!res.headersSent) {
    sendJson(res, apiError.code, apiError.body());
  } else {
    res.destroy();
  }
}

export function readRaw(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new GoogleApiError(413, 'Request entity too large', 'uploadTooLarge'));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readJsonObject(req: http.IncomingMessage, maxBytes = 4 * 1024 * 1024): Promise<Record<string, unknown>> {
  const raw = (await readRaw(req, maxBytes)).toString('utf8');
  if (!raw.trim()) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new GoogleApiError(400, 'Parse Error', 'parseError');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GoogleApiError(400, 'Invalid JSON payload received. Expected an object.', 'badRequest');
  }
  return parsed as Record<string, unknown>;
}

/** Google APIs take `Authorization: Bearer <OAuth access token>`; the sandbox accepts only tokens it issued. */
export function requireBearer(req: http.IncomingMessage, tokens: AccessTokens): IssuedToken {
  const header = req.headers.authorization;
  if (!header) {
    throw GoogleApiError.missingCredentials();
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const token = match ? tokens.verify(match[1]) : undefined;
  if (!token) {
    throw GoogleApiError.invalidCredentials();
  }
  return token;
}

/** A JSON scalar as text (numbers arrive as numbers or strings in Google's JSON); objects as JSON. */
export function scalarText(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : JSON.stringify(value);
}
