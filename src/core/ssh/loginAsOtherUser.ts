import { SpotboxError } from '../errors';
import type { RemoteCommandResult } from './runRemoteCommand';

/**
 * cloud-init's answer to a login as root on Ubuntu and Amazon Linux images: the key is accepted,
 * but root's authorized_keys runs only `echo 'Please login as the user "ubuntu" rather than the
 * user "root".'; sleep 10; exit 142`. The command the caller asked for never ran.
 */
const CLOUD_INIT_REFUSAL = /Please login as the user "([a-z_][a-z0-9_-]{0,31})" rather than the user "([a-z_][a-z0-9_-]{0,31})"/;
const CLOUD_INIT_EXIT_CODE = 142;

/**
 * The error for a command the image refused to run because the login user is the wrong one, or
 * undefined for any other result. The box's text only names the user to suggest; nothing acts on it.
 */
export function loginAsOtherUserError(result: RemoteCommandResult): SpotboxError | undefined {
  if (result.code !== CLOUD_INIT_EXIT_CODE) return undefined;
  const match = CLOUD_INIT_REFUSAL.exec(result.stdout);
  if (!match) return undefined;
  const [, expected, used] = match;
  return new SpotboxError(
    `The box logs in as "${expected}", not "${used}": the image ran nothing for "${used}".`,
    `Set "sshUser": "${expected}" in .spotbox/profile.json.`,
  );
}
