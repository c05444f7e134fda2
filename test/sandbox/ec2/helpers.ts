import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { BoxAddress, BoxHost, BoxLifecycleListener, BoxSpec, EventSink, MetadataView, SandboxEventKind } from '../../../sandbox/contract';
import { Ec2Emulator, type Ec2EmulatorOptions } from '../../../sandbox/ec2/ec2Server';

/** In-test box host: hands out 127.0.0.N, reports sshd ready after a short delay, runs nothing. */
export class FakeBoxHost implements BoxHost {
  mode: 'loopback-ip' | 'per-box-port' = 'loopback-ip';
  readonly boots: BoxSpec[] = [];
  readonly views = new Map<string, () => MetadataView>();
  readonly listeners = new Map<string, BoxLifecycleListener>();
  readonly terminated: string[] = [];
  stopAllCalls = 0;
  private next = 2;

  constructor(private readonly readyDelayMs = 30) {}

  async boot(spec: BoxSpec, metadata: () => MetadataView, listener: BoxLifecycleListener): Promise<BoxAddress> {
    this.boots.push(spec);
    this.views.set(spec.instanceId, metadata);
    this.listeners.set(spec.instanceId, listener);
    const n = this.next++;
    const address = spec.previousAddress ?? (this.mode === 'per-box-port'
      ? { ip: '127.0.0.1', sshPort: 20000 + n, imdsEndpoint: `http://127.0.0.1:${21000 + n}` }
      : { ip: `127.0.0.${n}`, sshPort: 22, imdsEndpoint: `http://127.0.0.${n}:1338` });
    setTimeout(() => listener.onSshReady(spec.instanceId), this.readyDelayMs);
    return address;
  }

  consoleOutput(instanceId: string): string {
    return [
      `Cloud-init v. 24.1 running 'modules:final' for ${instanceId}`,
      '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
      '256 SHA256:q1Fv3Y2WQ0mQy3sT0cTq2o0wYQm8y3Yl0b3kz1x1x1A root@box (ED25519)',
      '-----END SSH HOST KEY FINGERPRINTS-----',
    ].join('\n');
  }

  async terminate(instanceId: string): Promise<void> {
    this.terminated.push(instanceId);
  }

  async dropSshConnections(): Promise<number> {
    return 0;
  }

  async stopAll(): Promise<void> {
    this.stopAllCalls++;
  }
}

export class RecordingEvents implements EventSink {
  readonly list: Array<{ kind: SandboxEventKind; details: Record<string, unknown> }> = [];
  record(kind: SandboxEventKind, details: Record<string, unknown>): void {
    this.list.push({ kind, details });
  }
  kinds(): SandboxEventKind[] {
    return this.list.map((e) => e.kind);
  }
}

export const CREDENTIALS = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };

export function ec2(url: string, region = 'us-east-1', maxAttempts = 3): EC2Client {
  return new EC2Client({ endpoint: url, region, credentials: CREDENTIALS, maxAttempts });
}

export interface Harness {
  emu: Ec2Emulator;
  url: string;
  host: FakeBoxHost;
  events: RecordingEvents;
  stateFile: string;
  dir: string;
}

export async function startHarness(extra: Partial<Ec2EmulatorOptions> = {}, reuse?: Harness): Promise<Harness> {
  const dir = reuse?.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ec2emu-'));
  const stateFile = path.join(dir, 'ec2-state.json');
  const host = new FakeBoxHost();
  const events = new RecordingEvents();
  const emu = new Ec2Emulator({ stateFile, boxHost: host, events, bootDelayMs: { min: 10, max: 20 }, consoleDelayMs: 200, ...extra });
  const { url } = await emu.start();
  return { emu, url, host, events, stateFile, dir };
}

export async function stopHarness(h: Harness | undefined, removeDir = true): Promise<void> {
  if (!h) return;
  await h.emu.stop();
  if (removeDir) fs.rmSync(h.dir, { recursive: true, force: true });
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A syntactically valid SigV4 Authorization header (the emulator does not check the signature). */
export function fakeAuth(region: string): string {
  return `AWS4-HMAC-SHA256 Credential=AKIDSANDBOX/20261127/${region}/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
}
