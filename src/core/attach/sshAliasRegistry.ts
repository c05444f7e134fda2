import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, withBoxKnownHosts, withoutBoxKnownHosts } from '../ssh/knownHosts';
import { hostAliasOf, renderSshConfig, type SshConfigBox } from '../ssh/sshConfig';
import type { BoxEndpoint } from './boxEndpoint';

/** The Spotbox-owned SSH files, all under one folder (normally `~/.ssh/spotbox`). */
export interface SpotboxSshFiles {
  readonly directory: string;
  readonly config: string;
  readonly knownHosts: string;
  /** Which box each alias points at, so the config can be re-rendered without asking EC2. */
  readonly registry: string;
}

export function spotboxSshFiles(sshDirectory: string): SpotboxSshFiles {
  const directory = path.join(sshDirectory, 'spotbox');
  return { directory, config: path.join(directory, 'config'), knownHosts: path.join(directory, 'known_hosts'), registry: path.join(directory, 'boxes.json') };
}

interface AliasEntry extends SshConfigBox {
  readonly instanceId: string;
}

/**
 * Keeps `Host spotbox-<name>` pointing at the box that currently carries the name. A replacement
 * box registers under the same name, so Remote-SSH and terminals reconnect to it through the alias.
 * Writes are serialised: two attaches at once must not lose each other's block.
 */
export class SshAliasRegistry {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly files: SpotboxSshFiles) {}

  /** Points the box's alias at this endpoint and trusts exactly its console host keys. Returns the alias. */
  register(endpoint: BoxEndpoint): Promise<string> {
    return this.serialised(async () => {
      const entries = (await this.entries()).filter((entry) => entry.name !== endpoint.name && entry.instanceId !== endpoint.instanceId);
      const previous = (await this.entries()).filter((entry) => entry.name === endpoint.name || entry.instanceId === endpoint.instanceId);
      entries.push({ instanceId: endpoint.instanceId, name: endpoint.name, hostName: endpoint.host, port: endpoint.port, user: endpoint.user, identityFile: endpoint.privateKeyPath });
      let knownHosts = await readText(this.files.knownHosts);
      for (const old of previous) {
        knownHosts = withoutBoxKnownHosts(knownHosts, old.hostName, old.port);
      }
      knownHosts = withBoxKnownHosts(knownHosts, { host: endpoint.host, port: endpoint.port, keys: endpoint.hostKeys });
      await this.write(entries, knownHosts);
      return hostAliasOf(endpoint.name);
    });
  }

  /** Forgets boxes that no longer exist, with their known_hosts lines (addresses get reused). */
  prune(liveInstanceIds: ReadonlySet<string>): Promise<number> {
    return this.serialised(async () => {
      const entries = await this.entries();
      const gone = entries.filter((entry) => !liveInstanceIds.has(entry.instanceId));
      if (gone.length === 0) {
        return 0;
      }
      let knownHosts = await readText(this.files.knownHosts);
      for (const entry of gone) {
        knownHosts = withoutBoxKnownHosts(knownHosts, entry.hostName, entry.port);
      }
      await this.write(
        entries.filter((entry) => liveInstanceIds.has(entry.instanceId)),
        knownHosts,
      );
      return gone.length;
    });
  }

  async aliasOf(instanceId: string): Promise<string | undefined> {
    const entry = (await this.entries()).find((candidate) => candidate.instanceId === instanceId);
    return entry ? hostAliasOf(entry.name) : undefined;
  }

  private async write(entries: readonly AliasEntry[], knownHosts: string): Promise<void> {
    // known_hosts first: a config naming a box whose key is not trusted yet would fail a connect.
    await writeFileAtomic(this.files.knownHosts, knownHosts);
    await writeFileAtomic(this.files.config, renderSshConfig(entries, this.files.knownHosts));
    await writeFileAtomic(this.files.registry, JSON.stringify(entries, null, 2) + '\n');
  }

  private async entries(): Promise<AliasEntry[]> {
    const text = await readText(this.files.registry);
    if (text.trim() === '') {
      return [];
    }
    try {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? (parsed as AliasEntry[]).filter((entry) => typeof entry?.instanceId === 'string' && typeof entry.name === 'string') : [];
    } catch {
      // The file is Spotbox's own cache; the next attach rewrites it from EC2's answer.
      return [];
    }
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return '';
    }
    throw error;
  }
}
