import * as net from 'node:net';
import type { Client } from 'ssh2';

export interface PortForwardOptions {
  /** An open client, or a factory for one (the forward then owns and ends it on close). */
  readonly client?: Client;
  readonly connect?: () => Promise<Client>;
  readonly remotePort: number;
  /** The address the box dials, as seen from the box; loopback by default. */
  readonly remoteHost?: string;
  /** 0 picks a free port. */
  readonly localPort?: number;
  /** Told once the forward is closed, whoever closed it (the caller, or the link going away). */
  readonly onClose?: () => void;
}

export interface PortForward {
  readonly localPort: number;
  close(): Promise<void>;
}

/**
 * Forwards a local port to a port on the box through the SSH connection (direct-tcpip), like
 * `ssh -L`. It listens on 127.0.0.1 only: anything else would expose the box's service to the
 * local network. The forward closes when the client does, so a dead box leaves no open listener.
 */
export async function forwardPort(options: PortForwardOptions): Promise<PortForward> {
  const owned = options.client === undefined;
  const client = options.client ?? (await requireConnect(options)());
  const remoteHost = options.remoteHost ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    try {
      client.forwardOut(socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0, remoteHost, options.remotePort, (error, stream) => {
        if (error) {
          socket.destroy();
          return;
        }
        stream.on('error', () => socket.destroy());
        socket.pipe(stream).pipe(socket);
      });
    } catch {
      // ssh2 throws "Not connected" synchronously when the link is gone before 'close' arrives.
      socket.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.localPort ?? 0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      client.removeListener('close', onClientClose);
      for (const socket of sockets) {
        socket.destroy();
      }
      if (owned) {
        client.end();
      }
      server.close(() => {
        options.onClose?.();
        resolve();
      });
    }));
  const onClientClose = (): void => void close();
  client.on('close', onClientClose);
  return { localPort: (server.address() as net.AddressInfo).port, close };
}

function requireConnect(options: PortForwardOptions): () => Promise<Client> {
  if (!options.connect) {
    throw new Error('forwardPort needs a client or a connect() factory');
  }
  return options.connect;
}
