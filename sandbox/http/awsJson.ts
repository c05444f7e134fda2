import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { closeServer, listen, readBody } from './serverUtil';

/** An error an emulated AWS service answers with: the code AWS names it by, its message and HTTP status. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** How an AWS JSON protocol frames answers: the content-type of all of them, and an error's body and headers. */
export interface JsonProtocol {
  readonly contentType: string;
  errorBody(error: AwsServiceError): string;
  errorHeaders(error: AwsServiceError): Record<string, string>;
}

/** REST-JSON (FIS): a body `{"message": ...}`, the code in the x-amzn-ErrorType header, where the SDK reads it. */
export const REST_JSON: JsonProtocol = {
  contentType: 'application/json',
  errorBody: (error) => JSON.stringify({ message: error.message }),
  errorHeaders: (error) => ({ 'x-amzn-errortype': error.code }),
};

/** AWS JSON 1.1 (Price List): a body `{"__type": code, "Message": ...}`; the SDK reads the code from `__type`. */
export const AWS_JSON_1_1: JsonProtocol = {
  contentType: 'application/x-amz-json-1.1',
  errorBody: (error) => JSON.stringify({ __type: error.code, Message: error.message }),
  errorHeaders: () => ({}),
};

/** What sets one emulated service apart in AwsJsonServer's framing. */
export interface JsonService<E extends AwsServiceError> {
  /** Names the service in the stderr line of an unexpected failure: `[sandbox <name>] request failed:`. */
  readonly name: string;
  readonly protocol: JsonProtocol;
  /** The service's own errors, answered as they are; anything else thrown is a sandbox bug. */
  readonly errorClass: new (code: string, message: string, status?: number) => E;
  /** The service's codes for a body over 1 MiB (413) and for a sandbox bug (500, as AWS answers an internal failure). */
  readonly codes: { readonly tooLarge: string; readonly internal: string };
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * An AWS JSON service on a loopback port. Each request's body (up to 1 MiB) goes to `operate`,
 * whose result is answered as JSON with 200, or the error it threw in the protocol's error shape;
 * every answer carries a fresh x-amzn-RequestId.
 */
export abstract class AwsJsonServer<E extends AwsServiceError> {
  private server?: http.Server;

  constructor(private readonly service: JsonService<E>) {}

  async start(port = 0, host = '127.0.0.1'): Promise<{ url: string }> {
    const server = http.createServer((request, response) => void this.answer(request, response));
    const started = await listen(server, port, host);
    this.server = server;
    return started;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  /** The operation a request names, run on its raw body; throws the service's errors. */
  protected abstract operate(request: http.IncomingMessage, raw: string): unknown;

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const { name, protocol, errorClass, codes } = this.service;
    const requestId = randomUUID();
    try {
      const raw = await readBody(request, MAX_BODY_BYTES, () => new errorClass(codes.tooLarge, 'Request body too large.', 413));
      send(response, 200, JSON.stringify(this.operate(request, raw)), protocol.contentType, { 'x-amzn-requestid': requestId });
    } catch (error) {
      const known = error instanceof errorClass ? error : new errorClass(codes.internal, 'An internal error has occurred.', 500);
      // An unexpected exception is a sandbox bug: answer as AWS would, and say so on stderr.
      if (known !== error) console.error(`[sandbox ${name}] request failed:`, error);
      send(response, known.status, protocol.errorBody(known), protocol.contentType, { 'x-amzn-requestid': requestId, ...protocol.errorHeaders(known) });
    }
  }
}

function send(response: http.ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string>): void {
  if (response.headersSent) return;
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(status, { 'content-type': contentType, 'content-length': bytes.length, ...headers });
  response.end(bytes);
}

/** A request body as a JSON object (empty: `{}`); anything else is the service's own `invalid` error. */
export function parseJsonObject(raw: string, invalid: (message: string) => Error): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw invalid('The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/**
 * The region of a SigV4 Authorization header scoped to `service`. Signatures are not verified
 * (dummy keys), but a missing, malformed or other-service scope fails as on AWS, with the error
 * `fail` makes of AWS's code and message (AWS answers these with 403).
 */
export function signedRegion(authorization: string | undefined, service: string, fail: (code: string, message: string) => Error): string {
  if (!authorization) throw fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const scope = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/.exec(authorization);
  if (!scope) throw fail('InvalidSignatureException', 'The request signature is malformed (AWS Signature Version 4 expected).');
  const [, region, scoped] = scope;
  if (scoped !== service) throw fail('InvalidSignatureException', `Credential should be scoped to correct service: '${service}', not '${scoped}'.`);
  return region;
}
