import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConsoleHostKey } from './consoleHostKeys';

export interface KnownHostsEntry {
  readonly host: string;
  readonly port: number;
  readonly keys: readonly Pick<ConsoleHostKey, 'keyType' | 'base64'>[];
}

/** The host field as OpenSSH matches it: bare on port 22, `[host]:port` otherwise. */
export function knownHostsHostField(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function renderKnownHostsLines(entry: KnownHostsEntry): string[] {
  const field = knownHostsHostField(entry.host, entry.port);
  return entry.keys.map((key) => `${field} ${key.keyType} ${key.base64}`);
}

/**
 * Replaces every line for this host:port in `existing` with the box's current keys and keeps the
 * rest. Replacing (not appending) matters: a spot replacement often reuses an address with new keys,
 * and a stale line next to the new one would make OpenSSH warn of a changed key.
 */
export function withBoxKnownHosts(existing: string, entry: KnownHostsEntry): string {
  const field = knownHostsHostField(entry.host, entry.port);
  const kept = existing.split(/\r?\n/).filter((line) => line.trim() !== '' && !hostFieldMatches(line, field));
  return [...kept, ...renderKnownHostsLines(entry)].join('\n') + '\n';
}

/** Removes a box's lines (e.g. after it is terminated). */
export function withoutBoxKnownHosts(existing: string, host: string, port: number): string {
  return withBoxKnownHosts(existing, { host, port, keys: [] });
}

function hostFieldMatches(line: string, field: string): boolean {
  const first = line.trim().split(/\s+/)[0] ?? '';
  return first.split(',').includes(field);
}

/** Updates the Spotbox-owned known_hosts file for one box (never the user's own file). */
export async function updateKnownHostsFile(file: string, entry: KnownHostsEntry): Promise<void> {
  const existing = await fs.promises.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return '';
    }
    throw error;
  });
  await writeFileAtomic(file, withBoxKnownHosts(existing, entry));
}

/**
 * Writes through a temporary file in the same folder and renames it over the target, so an ssh
 * reading concurrently sees the old file or the new one, never half of one. Created 0600: the file
 * decides which servers are trusted.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.promises.writeFile(temporary, text, { mode: 0o600 });
    await fs.promises.chmod(temporary, 0o600);
    await fs.promises.rename(temporary, file);
  } catch (error) {
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
}
