/**
 * A box's process tree. sshd runs as the first process of its own PID namespace (started by
 * `unshare --pid --fork --kill-child`): when that process ends, the kernel kills every process in
 * the namespace, including double-forked daemons and `setsid` jobs started over SSH. That is how
 * "terminate the instance" kills everything without cgroups. sshd as namespace init also reaps
 * orphans (its SIGCHLD handler waits for any child), so a long-lived box gathers no zombies.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { childrenOf, isAlive, pidNamespaceOf, pidsInNamespace, sleep, waitUntilGone } from './procfs';

export interface BoxProcessOptions {
  readonly hostname: string;
  /** The box's /etc/hosts, bind-mounted in its mount namespace: an instance resolves its own name (torchrun's rendezvous needs it). */
  readonly hostsPath: string;
  /** Shell run in the box's mount namespace before sshd starts (its own accounts and /home). */
  readonly mountScript?: string;
  readonly sshdConfigPath: string;
  readonly sshdLogPath: string;
  readonly onExit: (reason: string) => void;
}

export interface RunInBoxOptions {
  readonly command: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly outputPath: string;
}

export class BoxProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private exitedFlag = false;
  private killing = false;
  private initPid: number | undefined;
  private namespace: string | undefined;
  private readonly helpers = new Set<ChildProcess>();

  constructor(options: BoxProcessOptions) {
    // setpriv makes the kernel kill unshare (and so, via --kill-child, the whole box) should the
    // sandbox die without stopping its boxes. The hostname is set inside a private UTS namespace
    // before exec'ing sshd, so sshd stays the namespace's PID 1.
    this.child = spawn(
      'setpriv',
      [
        '--pdeathsig', 'KILL', '--', 'unshare', '--pid', '--fork', '--kill-child', '--mount-proc', '--uts', '--',
        '/bin/sh', '-c', `hostname "$0" && mount --bind "$3" /etc/hosts && ${options.mountScript ?? 'true'} && exec /usr/sbin/sshd -D -e -f "$1" -E "$2"`,
        options.hostname, options.sshdConfigPath, options.sshdLogPath, options.hostsPath,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    this.exited = new Promise((resolve) => {
      const done = (reason: string): void => {
        if (this.exitedFlag) {
          return;
        }
        this.exitedFlag = true;
        if (!this.killing) {
          options.onExit(reason + (stderr.trim() ? `: ${stderr.trim()}` : ''));
        }
        resolve();
      };
      this.child.once('exit', (code, signal) => done(`box init exited (${signal ?? `code ${code}`})`));
      this.child.once('error', (err) => done(`cannot start box: ${err.message}`));
    });
  }

  get running(): boolean {
    return !this.exitedFlag;
  }

  /** Host PID of the namespace's first process (sshd), once unshare has forked it. */
  async initHostPid(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.initPid === undefined) {
      const unsharePid = this.child.pid;
      if (unsharePid !== undefined) {
        const [first] = childrenOf(unsharePid);
        // Wait for the exec: before it the child still shares unshare's image and namespace setup.
        if (first && first.comm === 'sshd') {
          this.initPid = first.pid;
          this.namespace = pidNamespaceOf(first.pid);
          break;
        }
      }
      if (this.exitedFlag || Date.now() > deadline) {
        throw new Error('box init process did not start');
      }
      await sleep(20);
    }
    return this.initPid;
  }

  /** Every host PID in the box's namespace (for tests and diagnostics). */
  pids(): number[] {
    return this.namespace ? pidsInNamespace(this.namespace) : [];
  }

  /**
   * Runs a command inside the box (its PID, mount and UTS namespaces), so it dies with the box
   * like any process on a real instance. Resolves with the exit code (null when killed).
   */
  async run(options: RunInBoxOptions): Promise<number | null> {
    const target = await this.initHostPid();
    const out = fs.openSync(options.outputPath, 'a');
    let helper: ChildProcess;
    try {
      helper = spawn(
        'nsenter',
        ['--target', String(target), '--pid', '--mount', '--uts', `--wd=${options.cwd}`, '--', '/bin/sh', '-c', options.command],
        { stdio: ['ignore', out, out], env: { ...options.env } },
      );
    } finally {
      fs.closeSync(out);
    }
    this.helpers.add(helper);
    return new Promise((resolve) => {
      helper.once('error', () => {
        this.helpers.delete(helper);
        resolve(null);
      });
      helper.once('exit', (code) => {
        this.helpers.delete(helper);
        resolve(code);
      });
    });
  }

  /** Kills the namespace (and so every process in it) and waits until all of them are gone. */
  async kill(): Promise<void> {
    this.killing = true;
    const members = this.pids();
    let initKilled = false;
    if (this.initPid !== undefined && isAlive(this.initPid)) {
      try {
        process.kill(this.initPid, 'SIGKILL');
        initKilled = true;
      } catch {
        // already gone
      }
    }
    // unshare reaps the dying init and so lets the kernel finish tearing the namespace down. Killed
    // too early, it leaves that to the machine's init, and zombies linger until it gets round to it.
    if (initKilled) {
      await Promise.race([this.exited, sleep(2000)]);
    }
    if (!this.exitedFlag) {
      // --kill-child makes the kernel SIGKILL the namespace init when unshare dies, should the
      // init not have been found yet.
      this.child.kill('SIGKILL');
    }
    await this.exited;
    for (const helper of this.helpers) {
      helper.kill('SIGKILL');
    }
    await waitUntilGone(members, 5000);
    while (this.helpers.size > 0) {
      await sleep(20);
    }
  }
}
