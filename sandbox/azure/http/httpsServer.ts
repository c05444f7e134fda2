/** An HTTPS server on loopback with the sandbox's certificate: every Azure server of the sandbox is one. */
import * as https from 'node:https';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestCertificates } from '../tls/testCertificates';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

export class HttpsServer {
  private server?: https.Server;

  constructor(
    private readonly certificates: TestCertificates,
    private readonly handler: Handler,
  ) {}

  /** Listens on 127.0.0.1:port (0: any free port); rejects when the port is taken. */
  async start(port = 0): Promise<{ url: string }> {
    const server = https.createServer({ cert: this.certificates.cert, key: this.certificates.key }, (req, res) => {
      this.handler(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
        }
        res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(error) } }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

export function readText(req: http.IncomingMessage, maxBytes = 4 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new Error('request body too large'));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}), 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
