/**
 * BoxHost with real boxes on this machine: each box is an sshd in its own PID namespace with its
 * own loopback address, host keys, disk folder and metadata service. See README.md in this folder.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import {
  BoxAddress,
  BoxHost,
  BoxLifecycleListener,
  BoxSpec,
  EventSink,
  MetadataView,
  PowerControlledBoxHost,
} from '../contract';
import { AddressAllocator, AddressMode, AllocatedAddress, loopbackIpUnavailableReason } from './addressAllocator';
import { BoxProcess } from './boxProcess';
import { AzureImdsServer } from './azureImdsServer';
import { prepareAzureFirstBoot } from './azureGuest';
import { azureHostname, consoleBootText, consoleFinishedText, ConsoleCloud, decodeUserData, ec2Hostname, gceHostname, isUserScript } from './cloudInit';
import { GceMetadataServer } from './gceMetadataServer';
import { ensureHostKeys, HostKey } from './hostKeys';
import { ImdsServer } from './imdsServer';
import { sleep } from './procfs';
import { dropConnections } from './sessionTracker';
import { installAuthorizedKey, mountScript, writeLoginUserFiles } from './loginUser';
import { assertConfigSafePath, renderSshdConfig } from './sshdConfig';

export interface LocalBoxHostOptions {
  /** Box folders live in <stateDir>/boxes/<instanceId>/. */
  readonly stateDir: string;
  readonly events?: EventSink;
  readonly log?: (line: string) => void;
  /** Use 127.0.0.1 with a port per box even where 127.0.0.N:22 would work (tests). */
  readonly forcePerBoxPort?: boolean;
  /** How long to wait for a started sshd to accept TCP connections. */
  readonly sshStartTimeoutMs?: number;
  /** An Azure box's first Scheduled Events call waits this long (Azure: up to 2 minutes while the service turns on); default 3 s. */
  readonly scheduledEventsFirstCallDelayMs?: number;
}

type MetadataServer = ImdsServer | GceMetadataServer | AzureImdsServer;

type BoxState = 'booting' | 'running' | 'exited' | 'stopping';

interface Box {
  readonly spec: BoxSpec;
  readonly listener: BoxLifecycleListener;
  readonly dir: string;
  readonly disk: string;
  readonly allocated: AllocatedAddress;
  readonly address: BoxAddress;
  readonly hostname: string;
  readonly keys: readonly HostKey[];
  readonly imds: MetadataServer;
  readonly userData: Buffer | undefined;
  readonly environment: Readonly<Record<string, string>>;
  /** Run before sshd in the box's mount namespace: its own accounts, and the disk as the user's home. */
  readonly mountScript: string;
  readonly bootStartedMs: number;
  state: BoxState;
  proc?: BoxProcess;
  console: string;
  exitReported: boolean;
  cancelBootDelay?: () => void;
  bootTask?: Promise<void>;
}

/** The sshd privilege separation directory; sshd refuses to start without it. */
const PRIVSEP_DIR = '/run/sshd';

export class LocalBoxHost implements BoxHost, PowerControlledBoxHost {
  readonly mode: AddressMode;
  private readonly allocator: AddressAllocator;
  private readonly boxes = new Map<string, Box>();
  private readonly log: (line: string) => void;
  /** boot() calls still setting a box up; stopAll() waits for them so none registers after it. */
  private readonly bootsInProgress = new Set<Promise<unknown>>();

  constructor(private readonly options: LocalBoxHostOptions) {
    this.log = options.log ?? (() => undefined);
    assertConfigSafePath(path.resolve(options.stateDir));
    const reason = options.forcePerBoxPort ? undefined : loopbackIpUnavailableReason();
    this.mode = options.forcePerBoxPort || reason ? 'per-box-port' : 'loopback-ip';
    if (reason) {
      this.log(`boxes: ${reason}; boxes share 127.0.0.1 with one SSH port each (spotbox:ssh-port tag)`);
    }
    this.allocator = new AddressAllocator(this.mode);
  }

  /** Folder of a box (its disk is the 'disk' folder inside). */
  boxDir(instanceId: string): string {
    return path.join(path.resolve(this.options.stateDir), 'boxes', instanceId);
  }

  /** Host PIDs of every process running in a box (empty once it is stopped). */
  boxPids(instanceId: string): number[] {
    return this.boxes.get(instanceId)?.proc?.pids() ?? [];
  }

  boot(spec: BoxSpec, metadata: () => MetadataView, listener: BoxLifecycleListener): Promise<BoxAddress> {
    const booting = this.setUpBox(spec, metadata, listener);
    this.bootsInProgress.add(booting);
    void booting.catch(() => undefined).finally(() => this.bootsInProgress.delete(booting));
    return booting;
  }

  private async setUpBox(spec: BoxSpec, metadata: () => MetadataView, listener: BoxLifecycleListener): Promise<BoxAddress> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec.instanceId)) {
      throw new Error(`invalid instance id: ${spec.instanceId}`);
    }
    if (this.boxes.has(spec.instanceId)) {
      throw new Error(`box ${spec.instanceId} is already running`);
    }
    const dir = this.boxDir(spec.instanceId);
    const disk = path.join(dir, 'disk');
    await fs.promises.mkdir(disk, { recursive: true });

    const previous = spec.previousAddress;
    const allocated = await this.allocator.allocate(
      previous ? { ip: previous.ip, sshPort: previous.sshPort, imdsPort: portOf(previous.imdsEndpoint) } : undefined,
    );
    let imds: MetadataServer | undefined;
    try {
      const hostname = spec.gce ? gceHostname(spec.gce) : spec.azure ? azureHostname(spec.azure) : ec2Hostname(allocated.ip, spec.region);
      const imdsEndpoint = `http://${allocated.ip}:${allocated.imdsPort}`;
      const address: BoxAddress = { ip: allocated.ip, sshPort: allocated.sshPort, imdsEndpoint };
      // An Azure box's keys may come in its customData (cloud-init's ssh_keys), so its first boot makes them.
      const azureBoot = spec.azure ? await prepareAzureFirstBoot(dir, disk, spec, hostname) : undefined;
      const keys = azureBoot?.keys ?? (await ensureHostKeys(path.join(dir, 'ssh'), `root@${hostname.split('.')[0]}`));
      // HOME, USER and the working directory come from the box's own passwd, as on an instance.
      // Google's libraries take the metadata server from GCE_METADATA_HOST (google-auth's ping from
      // GCE_METADATA_IP; google-auth 1.x, as Debian ships it, from GCE_METADATA_ROOT). Azure's
      // identity libraries (JS, Python, .NET, MSAL) take IMDS from AZURE_POD_IDENTITY_AUTHORITY_HOST.
      const metadataHost = `${allocated.ip}:${allocated.imdsPort}`;
      const metadataVariables: Record<string, string> = spec.gce
        ? { GCE_METADATA_HOST: metadataHost, GCE_METADATA_IP: metadataHost, GCE_METADATA_ROOT: metadataHost }
        : spec.azure
          ? { AZURE_POD_IDENTITY_AUTHORITY_HOST: imdsEndpoint }
          : { AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsEndpoint };
      const environment = { ...spec.environment, ...metadataVariables };
      const boxMountScript = [await this.writeBoxFiles(dir, disk, spec, allocated, keys, environment), ...(azureBoot?.mounts ?? [])].join(' && ');
      const userData = spec.gce ? undefined : azureBoot ? azureBoot.script : decodeUserData(spec.userDataBase64);
      if (spec.gce) {
        imds = new GceMetadataServer({ spec, ip: allocated.ip, hostname }, metadata);
      } else if (spec.azure) {
        const firstCallDelayMs = this.options.scheduledEventsFirstCallDelayMs ?? 3000;
        imds = new AzureImdsServer({ spec, ip: allocated.ip, hostname }, metadata, listener, { scheduledEventsFirstCallDelayMs: firstCallDelayMs });
      } else {
        imds = new ImdsServer({ spec, ip: allocated.ip, hostname, userData, launchTime: new Date().toISOString() }, metadata);
      }
      await imds.listen(allocated.ip, allocated.imdsPort);

      const box: Box = {
        spec, listener, dir, disk, allocated, address, hostname, keys, imds, userData, environment,
        mountScript: boxMountScript, bootStartedMs: Date.now(), state: 'booting', console: '', exitReported: false,
      };
      this.boxes.set(spec.instanceId, box);
      box.bootTask = this.finishBoot(box).catch((err: Error) => this.reportExit(box, `boot failed: ${err.message}`));
      this.log(`boxes: ${spec.instanceId} booting at ${address.ip}:${address.sshPort}, metadata ${imdsEndpoint}`);
      return address;
    } catch (err) {
      await imds?.close();
      this.allocator.release(allocated);
      throw err;
    }
  }

  consoleOutput(instanceId: string): string {
    return this.boxes.get(instanceId)?.console ?? '';
  }

  async terminate(instanceId: string): Promise<void> {
    const box = this.boxes.get(instanceId);
    if (box) {
      await this.stopBox(box);
    }
    await removeTree(this.boxDir(instanceId));
    this.log(`boxes: ${instanceId} terminated, disk deleted`);
  }

  async powerOff(instanceId: string): Promise<void> {
    const box = this.boxes.get(instanceId);
    if (box) {
      await this.stopBox(box);
      this.log(`boxes: ${instanceId} powered off, disk kept`);
    }
  }

  async dropSshConnections(instanceId: string): Promise<number> {
    const box = this.boxes.get(instanceId);
    if (!box || box.state !== 'running' || !box.proc) {
      return 0;
    }
    const dropped = await dropConnections(await box.proc.initHostPid());
    this.options.events?.record('ssh-drop', { instanceId, connections: dropped });
    this.log(`boxes: ${instanceId} dropped ${dropped} SSH connection(s)`);
    return dropped;
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.bootsInProgress]);
    const boxes = [...this.boxes.values()];
    await Promise.all(boxes.map((box) => this.stopBox(box)));
    if (boxes.length > 0) {
      this.log(`boxes: stopped ${boxes.length} box(es), disks kept`);
    }
  }

  /** Writes the box's sshd config and accounts; returns the mount script that puts them in place. */
  private async writeBoxFiles(
    dir: string,
    disk: string,
    spec: BoxSpec,
    allocated: AllocatedAddress,
    keys: readonly HostKey[],
    environment: Readonly<Record<string, string>>,
  ): Promise<string> {
    // GCE and Azure images refuse root over SSH outright (Azure puts osProfile's key for the admin
    // user only); EC2's cloud-init lets the key in only to say whom to log in as.
    const accounts = await writeLoginUserFiles(dir, spec.loginUser, spec.gce || spec.azure ? undefined : spec.authorizedKey);
    await installAuthorizedKey(disk, spec.authorizedKey);
    const config = renderSshdConfig({
      ip: allocated.ip,
      port: allocated.sshPort,
      hostKeyPaths: keys.map((k) => k.privateKeyPath),
      rootAuthorizedKeysPath: accounts.rootAuthorizedKeys,
      pidFilePath: path.join(dir, 'sshd.pid'),
      environment,
    });
    await fs.promises.writeFile(path.join(dir, 'sshd_config'), config);
    return mountScript(spec.loginUser, accounts, disk);
  }

  private async finishBoot(box: Box): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, box.spec.bootDelayMs));
      box.cancelBootDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    if (box.state !== 'booting') {
      return;
    }
    fs.mkdirSync(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
    const hostsPath = path.join(box.dir, 'hosts');
    // As the VPC resolver does for an instance: its private DNS name and short name answer with its address.
    fs.writeFileSync(hostsPath, `${fs.readFileSync('/etc/hosts', 'utf8').trimEnd()}\n${box.address.ip} ${box.hostname} ${box.hostname.split('.')[0]}\n`);
    const proc = new BoxProcess({
      // EC2 instances set the short name (ip-172-31-...) as their hostname; GCE ones the instance name.
      hostname: box.hostname.split('.')[0],
      hostsPath,
      mountScript: box.mountScript,
      sshdConfigPath: path.join(box.dir, 'sshd_config'),
      sshdLogPath: path.join(box.dir, 'sshd.log'),
      onExit: (reason) => this.reportExit(box, reason),
    });
    box.proc = proc;
    await waitForTcp(box.address.ip, box.address.sshPort, () => proc.running, this.options.sshStartTimeoutMs ?? 15000);
    await proc.initHostPid();
    if (box.state !== 'booting') {
      return;
    }
    box.state = 'running';
    box.console = consoleBootText({
      hostname: box.hostname, ip: box.address.ip, keys: box.keys, bootStartedMs: box.bootStartedMs, now: Date.now(),
      cloud: consoleCloud(box.spec),
    });
    void (box.spec.gce ? this.runStartupScript(box, box.spec.gce.startupScript) : this.runUserData(box));
    this.log(`boxes: ${box.spec.instanceId} sshd ready`);
    try {
      box.listener.onSshReady(box.spec.instanceId, box.keys.map((key) => ({ algorithm: key.algorithm, blobBase64: key.blobBase64 })));
    } catch (err) {
      // A listener bug must not be mistaken for a failed boot (which would kill a healthy box).
      this.log(`boxes: onSshReady for ${box.spec.instanceId} threw: ${(err as Error).message}`);
    }
  }

  /** Like cloud-init's scripts-user: once per instance, inside the box, output to a log file. */
  private async runUserData(box: Box): Promise<void> {
    const outputPath = path.join(box.dir, 'cloud-init-output.log');
    const marker = path.join(box.dir, 'user-data.done');
    const finish = (extra = ''): void => {
      box.console += extra + consoleFinishedText(box.bootStartedMs, Date.now(), consoleCloud(box.spec));
    };
    try {
      if (!isUserScript(box.userData) || fs.existsSync(marker)) {
        if (box.userData && !isUserScript(box.userData)) {
          await fs.promises.appendFile(outputPath, 'user data is not a #! script; the sandbox does not run it\n');
        }
        finish();
        return;
      }
      const scriptPath = path.join(box.dir, 'user-data');
      await fs.promises.writeFile(scriptPath, box.userData, { mode: 0o700 });
      await fs.promises.writeFile(marker, new Date().toISOString() + '\n');
      const code = await box.proc!.run({
        command: `exec ${scriptPath}`,
        // cloud-init runs scripts-user as root from /, not in the login user's home.
        cwd: '/',
        env: {
          // An image's own PATH, not this host's: a version manager's python (pyenv) is not on a real box.
          PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          ...box.environment,
          HOME: '/root',
          USER: 'root',
          LOGNAME: 'root',
        },
        outputPath,
      });
      if (box.state !== 'running') {
        return;
      }
      await fs.promises.appendFile(outputPath, `user data script exited with ${code}\n`);
      finish(code === 0 ? '' : `cc_scripts_user.py[WARNING]: Failed to run module scripts-user (scripts in /var/lib/cloud/instance/scripts)\n`);
    } catch (err) {
      this.log(`boxes: ${box.spec.instanceId} user data failed: ${(err as Error).message}`);
    }
  }

  /**
   * Like google_metadata_script_runner: the `startup-script` metadata item at every boot (not once
   * per instance), as root, run by bash whether or not it starts with '#!'.
   */
  private async runStartupScript(box: Box, script: string | undefined): Promise<void> {
    if (script === undefined) {
      box.console += consoleFinishedText(box.bootStartedMs, Date.now(), 'gce');
      return;
    }
    const outputPath = path.join(box.dir, 'startup-script.log');
    try {
      const scriptPath = path.join(box.dir, 'startup-script');
      await fs.promises.writeFile(scriptPath, script, { mode: 0o700 });
      box.console += `google_metadata_script_runner: Starting startup scripts (version 20231004.02).\n` +
        `google_metadata_script_runner: Found startup-script in metadata.\n`;
      const code = await box.proc!.run({
        command: `exec /bin/bash -c ${scriptPath}`,
        cwd: '/',
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...box.environment, HOME: '/root', USER: 'root', LOGNAME: 'root' },
        outputPath,
      });
      if (box.state !== 'running') {
        return;
      }
      box.console += `google_metadata_script_runner: startup-script exit status ${code ?? 'killed'}\n` +
        `google_metadata_script_runner: Finished running startup scripts.\n` +
        consoleFinishedText(box.bootStartedMs, Date.now(), 'gce');
    } catch (err) {
      this.log(`boxes: ${box.spec.instanceId} startup script failed: ${(err as Error).message}`);
    }
  }

  /**
   * ACPI G2 soft off, as Compute Engine sends a preempted or stopped VM (and Azure an evicted one): SIGTERM to every process
   * of the box (init excepted, which stays to be killed by terminate()). Resolves with how many were signalled.
   */
  async softOff(instanceId: string): Promise<number> {
    const box = this.boxes.get(instanceId);
    if (!box?.proc || box.state !== 'running') {
      return 0;
    }
    const init = await box.proc.initHostPid();
    let signalled = 0;
    for (const pid of box.proc.pids()) {
      if (pid === init) {
        continue;
      }
      try {
        process.kill(pid, 'SIGTERM');
        signalled++;
      } catch {
        // It ended meanwhile.
      }
    }
    this.log(`boxes: ${instanceId} soft off: SIGTERM to ${signalled} process(es)`);
    return signalled;
  }

  private reportExit(box: Box, reason: string): void {
    if (box.state === 'stopping' || box.exitReported) {
      return;
    }
    box.exitReported = true;
    box.state = 'exited';
    this.log(`boxes: ${box.spec.instanceId} exited: ${reason}`);
    void box.proc?.kill();
    box.listener.onBoxExited?.(box.spec.instanceId, reason);
  }

  /** Kills the box's processes and metadata service; the folder stays. */
  private async stopBox(box: Box): Promise<void> {
    if (this.boxes.get(box.spec.instanceId) !== box) {
      return;
    }
    box.state = 'stopping';
    box.cancelBootDelay?.();
    await Promise.all([box.imds.close(), box.proc?.kill()]);
    await box.bootTask;
    // finishBoot may have started sshd while we waited; it checks the state, but kill again to be sure.
    await box.proc?.kill();
    this.allocator.release(box.allocated);
    this.boxes.delete(box.spec.instanceId);
  }
}

function consoleCloud(spec: BoxSpec): ConsoleCloud {
  return spec.gce ? 'gce' : spec.azure ? 'azure' : 'ec2';
}

function portOf(url: string): number | undefined {
  try {
    const port = Number(new URL(url).port);
    return port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

async function waitForTcp(ip: string, port: number, stillRunning: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: ip, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) {
      return;
    }
    if (!stillRunning()) {
      throw new Error('sshd exited before accepting connections (see sshd.log in the box folder)');
    }
    if (Date.now() > deadline) {
      throw new Error(`sshd did not accept connections on ${ip}:${port} within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

async function removeTree(dir: string): Promise<void> {
  await fs.promises.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}
