import { Client, type ConnectConfig } from 'ssh2';
import { fingerprintOfKeyBlob } from '../../../src/core/ssh/hostKeyFingerprints';

export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly privateKey: string;
  /** SHA256 fingerprints the host key must match (from the console); the connection fails otherwise. */
  readonly pinnedFingerprints: readonly string[];
  readonly username?: string;
}

/** Runs one command over a real SSH connection whose host key is pinned, and returns its output. */
export function sshExec(target: SshTarget, command: string, timeoutMs = 15_000): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const timer = setTimeout(() => {
      client.end();
      reject(new Error(`ssh ${target.host}:${target.port} timed out`));
    }, timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      client.end();
      reject(error);
    };
    client
      .on('ready', () => {
        client.exec(command, (error, stream) => {
          if (error) {
            fail(error);
            return;
          }
          let stdout = '';
          let stderr = '';
          stream.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          stream.on('close', (code: number | null) => {
            clearTimeout(timer);
            client.end();
            resolve({ stdout, stderr, code });
          });
        });
      })
      .on('error', fail)
      .connect(pinnedConnectConfig(target, timeoutMs));
  });
}

/** An open ssh2 connection to the target, host key pinned, for code that takes a Client (end it when done). */
export function connectTarget(target: SshTarget, timeoutMs = 15_000): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .once('ready', () => resolve(client))
      .once('error', reject)
      .connect(pinnedConnectConfig(target, timeoutMs));
  });
}

/** How both open a connection: the target's key, and its host key checked against the pinned fingerprints. */
function pinnedConnectConfig(target: SshTarget, timeoutMs: number): ConnectConfig {
  return {
    host: target.host,
    port: target.port,
    username: target.username ?? 'ubuntu',
    privateKey: target.privateKey,
    readyTimeout: timeoutMs,
    hostVerifier: (key: Buffer) => target.pinnedFingerprints.includes(fingerprintOfKeyBlob(key)),
  };
}
