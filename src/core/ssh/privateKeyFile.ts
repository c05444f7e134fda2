import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SpotboxError } from '../errors';

// Key names come from EC2 (any instance tag-matched as a box), so they are untrusted: a name with
// a slash or a leading dot would point the .pem path outside the key folder.
const SAFE_KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+=-]{0,254}$/;

/**
 * The key file's name (without `.pem`) of a box: an EC2 key pair's name is `spotbox-…` already;
 * Google Cloud and Azure have no key pairs, and their launches write `spotbox-<launch name>.pem`
 * (gceEndpoint.ts, azureEndpoint.ts read the same).
 */
export function keyFileNameOf(box: { readonly cloud: string; readonly keyName?: string }): string | undefined {
  if (!box.keyName) return undefined;
  return box.cloud === 'aws' ? box.keyName : `spotbox-${box.keyName}`;
}

/** `<keyDirectory>/<keyName>.pem`, refusing a key name that is not a plain file name. */
export function privateKeyPathFor(keyDirectory: string, keyName: string): string {
  if (!SAFE_KEY_NAME.test(keyName) || keyName.includes('..')) {
    throw new SpotboxError(`The key pair name "${keyName.slice(0, 80)}" is not a plain file name, so Spotbox will not look for its private key.`, 'Launch the box with Spotbox: Launch a Spot Box (its key pairs are named spotbox-<name>-<id>).');
  }
  return path.join(keyDirectory, `${keyName}.pem`);
}

/**
 * Writes a new private key readable by the user only. `wx` refuses a file (or a symlink planted)
 * at that path instead of writing through it; the chmod makes 0600 hold whatever the umask.
 */
export async function writePrivateKeyFile(file: string, keyMaterial: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const handle = await fs.open(file, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(keyMaterial, 'utf8');
  } catch (error) {
    await handle.close();
    await fs.rm(file, { force: true });
    throw error;
  }
  await handle.close();
}
