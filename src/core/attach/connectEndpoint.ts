import * as fs from 'node:fs';
import type { Client } from 'ssh2';
import { SpotboxError } from '../errors';
import { connectToBox, type BoxConnectionOptions } from '../ssh/sshConnection';
import { runRemoteCommand, shellPath } from '../ssh/runRemoteCommand';
import type { BoxEndpoint } from './boxEndpoint';

/** An ssh2 connection to the box with its console host keys pinned. */
export async function connectEndpoint(endpoint: BoxEndpoint, overrides: Partial<BoxConnectionOptions> = {}): Promise<Client> {
  return connectToBox({
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.user,
    privateKey: await fs.promises.readFile(endpoint.privateKeyPath, 'utf8'),
    pinnedFingerprints: endpoint.hostKeys.map((key) => key.fingerprint),
    ...overrides,
  });
}

/**
 * The absolute path of the box's workspace folder, created if missing: a `vscode-remote://` URI
 * needs an absolute path, and `~` means whatever the box's login user's home is.
 */
export async function resolveRemoteDirectory(client: Client, directory: string): Promise<string> {
  const result = await runRemoteCommand(client, `mkdir -p -- ${shellPath(directory)} && cd -- ${shellPath(directory)} && pwd -P`, { timeoutMs: 20_000 });
  const resolved = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0 || !resolved.startsWith('/')) {
    throw new SpotboxError(`Could not open ${directory} on the box: ${result.stderr.trim() || `exit code ${result.code}`}.`, 'Check "workspaceDir" in .spotbox/profile.json.');
  }
  return resolved;
}
