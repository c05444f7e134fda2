import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Reads a request body up to maxBytes; past that, rejects with the server's own "too large" error. */
export function readBody(request: http.IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(tooLarge());
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Listens on host:port (0: a free port) and answers the server's URL; rejects when listening fails (port taken). */
export async function listen(server: http.Server, port: number, host: string): Promise<{ url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { url: `http://${host}:${(server.address() as AddressInfo).port}` };
}

/**
 * Listens on ip:port alone (exclusive: a box's address is its own, never shared with a cluster
 * worker) and answers the port bound; rejects when listening fails (address taken).
 */
export function listenExclusive(server: http.Server, ip: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: ip, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops listening and drops kept-alive connections, so a stopped sandbox holds no socket open. */
export function closeServer(server: http.Server | undefined): Promise<void> {
  if (!server) {
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
