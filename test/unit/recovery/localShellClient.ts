import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';

/**
 * A stand-in for an ssh2 Client to one box whose `exec` runs the command in a local `sh` with HOME
 * set to the box's home: the remote follower itself runs, only SSH is left out. `drop()` ends the
 * running command the way a lost link does.
 */
export class LocalShellClient extends EventEmitter {
  readonly commands: string[] = [];
  private child: ChildProcess | undefined;

  constructor(private readonly home: string) {
    super();
  }

  exec(command: string, callback: (error: Error | undefined, stream: EventEmitter & { stderr: EventEmitter & { resume(): void } }) => void): this {
    this.commands.push(command);
    const child = spawn('sh', ['-c', command], { env: { ...process.env, HOME: this.home }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const stream = Object.assign(new EventEmitter(), { stderr: child.stderr });
    child.stdout.on('data', (chunk: Buffer) => stream.emit('data', chunk));
    child.on('close', () => {
      stream.emit('close');
      this.emit('close');
    });
    callback(undefined, stream);
    return this;
  }

  drop(): void {
    this.child?.kill('SIGKILL');
  }

  end(): void {
    this.drop();
  }

  asClient(): Client {
    return this as unknown as Client;
  }
}
