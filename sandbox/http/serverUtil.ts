import type * as http from 'node:http';

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
