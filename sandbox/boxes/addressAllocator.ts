/**
 * Chooses where each box listens. Real EC2 gives every instance its own IP with sshd on port 22;
 * on Linux every 127.0.0.0/8 address is local, so as root each box gets 127.0.0.N:22 of its own.
 * Without the right to bind port 22 (or without 127/8 on loopback) boxes share 127.0.0.1 and get
 * a port each, which the EC2 emulator publishes as the `spotbox:ssh-port` tag.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export type AddressMode = 'loopback-ip' | 'per-box-port';

export const SSH_PORT = 22;
/** Port of the per-box metadata service in loopback-ip mode (as AWS's metadata mock uses). */
export const IMDS_PORT = 1338;
const FIRST_HOST = 2;
const LAST_HOST = 254;

export interface AllocatedAddress {
  readonly ip: string;
  readonly sshPort: number;
  readonly imdsPort: number;
}

/** Why loopback-ip mode cannot be used here, or undefined when it can. */
export function loopbackIpUnavailableReason(): string | undefined {
  // Binding a port below 1024 needs CAP_NET_BIND_SERVICE (bit 10), which root normally has.
  let capEff = 0n;
  try {
    const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    capEff = match ? BigInt('0x' + match[1]) : 0n;
  } catch {
    return 'cannot read /proc/self/status';
  }
  if ((capEff & (1n << 10n)) === 0n) {
    return 'no permission to bind port 22 (not root)';
  }
  const lo = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && a.address === '127.0.0.1');
  if (!lo || lo.netmask !== '255.0.0.0') {
    return 'loopback does not carry 127.0.0.0/8';
  }
  return undefined;
}

/** Resolves true when ip:port can be bound right now (nobody else listens there). */
export function canListen(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel considers free on ip (there is a small race until the caller binds it). */
export function freePort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: ip, port: 0, exclusive: true }, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export class AddressAllocator {
  private readonly usedHosts = new Set<number>();
  private readonly usedPorts = new Set<number>();

  constructor(readonly mode: AddressMode) {}

  /**
   * Prefers `previous` (a box booted again after a sandbox restart keeps its address), else the
   * next free 127.0.0.N from this process's own starting point. Addresses another process already listens on are skipped, so several
   * sandboxes on one machine do not collide.
   */
  async allocate(previous?: { ip: string; sshPort: number; imdsPort?: number }): Promise<AllocatedAddress> {
    return this.mode === 'loopback-ip' ? this.allocateIp(previous?.ip) : this.allocatePorts(previous);
  }

  release(address: AllocatedAddress): void {
    if (this.mode === 'loopback-ip') {
      releaseLoopbackClaim(address.ip);
      this.usedHosts.delete(hostNumber(address.ip));
    } else {
      this.usedPorts.delete(address.sshPort);
      this.usedPorts.delete(address.imdsPort);
    }
  }

  private async allocateIp(previousIp?: string): Promise<AllocatedAddress> {
    const candidates: number[] = [];
    const previous = previousIp ? hostNumber(previousIp) : NaN;
    if (previous >= FIRST_HOST && previous <= LAST_HOST) {
      candidates.push(previous);
    }
    // Each process starts its search at a block of its own: parallel sandboxes (test workers, the
    // integration suite beside them) then rarely contend, and a restarted sandbox finds its boxes'
    // addresses still free rather than taken by another process's next box.
    const hosts = LAST_HOST - FIRST_HOST + 1;
    const start = (process.pid * 37) % hosts;
    for (let i = 0; i < hosts; i++) {
      candidates.push(FIRST_HOST + ((start + i) % hosts));
    }
    for (const n of candidates) {
      if (this.usedHosts.has(n)) {
        continue;
      }
      // Reserve before probing: concurrent boots must not pick the same number.
      this.usedHosts.add(n);
      const ip = `127.0.0.${n}`;
      // A box's sshd binds only once it has booted: until then only the claim keeps another
      // sandbox process (a parallel test worker) from taking the same address.
      if (claimLoopbackAddress(ip) && (await canListen(ip, SSH_PORT)) && (await canListen(ip, IMDS_PORT))) {
        return { ip, sshPort: SSH_PORT, imdsPort: IMDS_PORT };
      }
      releaseLoopbackClaim(ip);
      this.usedHosts.delete(n);
    }
    throw new Error('no free loopback address 127.0.0.2-254 for another box');
  }

  private async allocatePorts(previous?: { sshPort: number; imdsPort?: number }): Promise<AllocatedAddress> {
    const ip = '127.0.0.1';
    const take = async (wanted: number | undefined): Promise<number> => {
      if (wanted && !this.usedPorts.has(wanted) && (await canListen(ip, wanted))) {
        this.usedPorts.add(wanted);
        return wanted;
      }
      for (;;) {
        const port = await freePort(ip);
        if (!this.usedPorts.has(port)) {
          this.usedPorts.add(port);
          return port;
        }
      }
    };
    const sshPort = await take(previous?.sshPort);
    const imdsPort = await take(previous?.imdsPort);
    return { ip, sshPort, imdsPort };
  }
}

/** Where sandbox processes on this machine claim loopback addresses, one file per address. */
const CLAIMS_DIRECTORY = path.join(os.tmpdir(), 'spotbox-sandbox-addresses');

/**
 * Claims ip for this process against other processes: the file is created exclusively and holds
 * the claimant's pid; a claim whose process is gone is stale and taken over.
 */
function claimLoopbackAddress(ip: string): boolean {
  fs.mkdirSync(CLAIMS_DIRECTORY, { recursive: true });
  const file = path.join(CLAIMS_DIRECTORY, ip);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(file, 'utf8'));
      // Ours: left by an earlier sandbox of this process (this allocator skips what it holds itself),
      // so whether it is free is the listen probe's answer.
      if (owner === process.pid) return true;
      if (isAlive(owner)) return false;
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

function releaseLoopbackClaim(ip: string): void {
  const file = path.join(CLAIMS_DIRECTORY, ip);
  try {
    if (Number(fs.readFileSync(file, 'utf8')) === process.pid) fs.rmSync(file, { force: true });
  } catch {
    // Not claimed (or already released): nothing to do.
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function hostNumber(ip: string): number {
  const m = /^127\.0\.0\.(\d+)$/.exec(ip);
  return m ? Number(m[1]) : NaN;
}
