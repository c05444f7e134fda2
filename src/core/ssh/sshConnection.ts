import type { Client, ConnectConfig } from 'ssh2';
import { SpotboxError } from '../errors';
import { done, pollUntil } from '../time/poll';
import { HostKeyMismatchError, HostKeyPin } from './hostKeyPin';

export { HostKeyMismatchError } from './hostKeyPin';

export interface BoxConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** OpenSSH-format private key (ssh2 cannot read PEM-wrapped ed25519). */
  readonly privateKey: string | Buffer;
  /** `SHA256:...` fingerprints from the box's console; any other host key is refused. */
  readonly pinnedFingerprints: readonly string[];
  /** ssh2 keeps no keepalive by default; 10 s x 3 notices a dead spot box within ~30 s. */
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  readonly readyTimeoutMs?: number;
  /** Further attempts after the first when the host refuses or the handshake times out. */
  readonly retries?: number;
  readonly initialBackoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal;
}

/** The box refused its own key for this user: almost always the wrong login user for the image. Never retried. */
export class SshLoginRefusedError extends SpotboxError {
  constructor(host: string, port: number, readonly username: string, cause: Error) {
    super(`${host}:${port} refused the box's key for the user "${username}".`, 'Check "sshUser" in .spotbox/profile.json: ubuntu on Ubuntu images (the Deep Learning AMIs), ec2-user on Amazon Linux.', { cause });
    this.name = 'SshLoginRefusedError';
  }
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Connects to a box with its host key pinned. A freshly booted box may refuse connections or stall
 * the handshake until sshd is up, so those are retried with exponential backoff; a host key
 * mismatch and an authentication failure are not, since waiting does not fix them.
 */
export async function connectToBox(options: BoxConnectionOptions): Promise<Client> {
  return pollUntil(async () => done(await connectOnce(options)), {
    describe: `SSH on ${options.host}:${options.port}`,
    intervalMs: options.initialBackoffMs ?? 500,
    backoffFactor: 2,
    maxIntervalMs: 8_000,
    maxAttempts: (options.retries ?? 5) + 1,
    retryOn: isRetryableConnectError,
    // The last connection error says more than "gave up": refused, timed out, unreachable.
    timeoutError: (giveUp) => giveUp.lastError as Error,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}

export function isRetryableConnectError(error: unknown): boolean {
  if (error instanceof HostKeyMismatchError || !(error instanceof Error)) {
    return false;
  }
  const { code, level } = error as Error & { code?: string; level?: string };
  if (code !== undefined && RETRYABLE_CODES.has(code)) {
    return true;
  }
  // ssh2's own handshake timeout, or the socket closing before the handshake finished.
  return level === 'client-timeout' || (level === 'client-socket' && !/verification failed/i.test(error.message)) || /handshake/i.test(error.message);
}

async function connectOnce(options: BoxConnectionOptions): Promise<Client> {
  const { Client: SshClient } = await import('ssh2');
  const pin = new HostKeyPin(options.pinnedFingerprints);
  const client = new SshClient();
  const config: ConnectConfig = {
    host: options.host,
    port: options.port,
    username: options.username,
    privateKey: options.privateKey,
    hostVerifier: pin.verify,
    keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    readyTimeout: options.readyTimeoutMs ?? 20_000,
  };
  // ssh2 can emit more than one error for one failure (a handshake timeout, then "Connection lost
  // before handshake" as it closes the socket), and a dropped link after 'ready' emits one too: the
  // caller's listeners see them, but none may ever become an uncaught 'error' event.
  client.on('error', () => undefined);
  return new Promise<Client>((resolve, reject) => {
    const onAbort = (): void => {
      cleanup();
      client.end();
      reject(new Error('Connection cancelled'));
    };
    const cleanup = (): void => {
      client.removeListener('ready', onReady);
      client.removeListener('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const onReady = (): void => {
      cleanup();
      resolve(client);
    };
    const onError = (error: Error): void => {
      cleanup();
      client.end();
      if (pin.refusedFingerprint !== undefined) {
        reject(new HostKeyMismatchError(options.host, options.port, pin.refusedFingerprint, options.pinnedFingerprints));
      } else if ((error as Error & { level?: string }).level === 'client-authentication') {
        reject(new SshLoginRefusedError(options.host, options.port, options.username, error));
      } else {
        reject(error);
      }
    };
    client.once('ready', onReady).once('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.connect(config);
  });
}
