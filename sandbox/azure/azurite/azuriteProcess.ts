/**
 * Azurite's Blob service (Microsoft's emulator, npm `azurite`) as a child of the sandbox: HTTPS with
 * the sandbox's certificate, `--oauth basic` (bearer tokens are accepted on their claims: issuer,
 * audience https://storage.azure.com, nbf/exp; Azurite does not check signatures), any API version,
 * loose headers, no telemetry, data under `<sandbox>/azure/azurite`. Started under
 * `setpriv --pdeathsig KILL` so that it dies with the sandbox even when the sandbox is killed; its
 * container for checkpoints is created once it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { TestCertificates } from '../tls/testCertificates';

/** Azurite's one account, as in every Azurite connection string. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';

export interface AzuriteOptions {
  readonly location: string;
  readonly certificates: TestCertificates;
  /** A bearer token for https://storage.azure.com, to create the container with. */
  readonly storageToken: () => string;
  readonly containers: readonly string[];
  readonly log?: (line: string) => void;
}

export class AzuriteBlob {
  private child?: ChildProcess;

  constructor(private readonly o: AzuriteOptions) {}

  /** Starts Azurite on `port` (0: a free one); answers the path-style account endpoint. */
  async start(port = 0): Promise<{ url: string; accountUrl: string }> {
    const chosen = port || await freePort();
    fs.mkdirSync(this.o.location, { recursive: true });
    // What node_modules/.bin/azurite-blob runs, started with this Node.
    const binary = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, binary,
      '--blobHost', '127.0.0.1', '--blobPort', String(chosen), '--location', this.o.location,
      '--cert', this.o.certificates.certFile, '--key', this.o.certificates.keyFile,
      '--oauth', 'basic', '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const url = `https://127.0.0.1:${chosen}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.child = undefined;
        throw new Error(`Azurite exited (${child.exitCode ?? child.signalCode}): ${output.trim()}`);
      }
      if (/successfully listens/i.test(output) && await this.reachable(url)) {
        break;
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`Azurite did not start within 30 s: ${output.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const accountUrl = `${url}/${AZURITE_ACCOUNT}`;
    for (const container of this.o.containers) {
      await this.createContainer(accountUrl, container);
    }
    this.o.log?.(`azure: Azurite Blob at ${accountUrl}`);
    return { url, accountUrl };
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) {
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private reachable(url: string): Promise<boolean> {
    return new Promise((resolve) => {
      const request = https.get(`${url}/${AZURITE_ACCOUNT}?comp=list`, { ca: this.o.certificates.ca, timeout: 2000 }, (response) => {
        response.resume();
        resolve(true);
      });
      request.on('error', () => resolve(false));
      request.on('timeout', () => request.destroy());
    });
  }

  /** Create Container with a bearer token; 409 ContainerAlreadyExists is fine (a restart). */
  private createContainer(accountUrl: string, container: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = https.request(`${accountUrl}/${container}?restype=container`, {
        method: 'PUT',
        ca: this.o.certificates.ca,
        headers: { Authorization: `Bearer ${this.o.storageToken()}`, 'x-ms-version': '2021-08-06', 'x-ms-date': new Date().toUTCString(), 'Content-Length': '0' },
      }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
        response.on('end', () => (response.statusCode === 201 || response.statusCode === 409 ? resolve() : reject(new Error(`Azurite refused to create container ${container}: ${response.statusCode ?? 0} ${text}`))));
      });
      request.on('error', reject);
      request.end();
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
