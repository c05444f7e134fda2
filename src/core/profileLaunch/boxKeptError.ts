import { SpotboxError, userMessageOf } from '../errors';
import { SshLoginRefusedError } from '../ssh/sshConnection';
import { BoxNotRunningError } from './waitUntilListedRunning';

/** A launch whose box runs but whose preparation (boot, host keys, workspace, session) did not finish: the box is kept. */
export class BoxKeptError extends SpotboxError {
  constructor(
    message: string,
    nextStep: string,
    /** The kept box, by the id its cloud knows it by. */
    readonly launched: { readonly instanceId: string },
    cause: unknown,
  ) {
    super(message, nextStep, { cause });
    this.name = 'BoxKeptError';
  }
}

/** Says what happened to a box that is kept after its preparation failed or was cancelled, and what to do with it. */
export function boxKeptError(boxName: string, launched: { readonly instanceId: string }, error: unknown, cancelled: boolean): BoxKeptError {
  if (error instanceof BoxNotRunningError) {
    // Not "is running": it never got there, and may still be starting or stuck.
    return new BoxKeptError(`${boxName} (${launched.instanceId}) was launched, but ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`, `${error.nextStep ?? ''} It is kept: terminate it from the Spot Boxes view if it stays stuck.`.trim(), launched, error);
  }
  if (cancelled) {
    return new BoxKeptError(`${boxName} (${launched.instanceId}) is running, but putting the workspace on it was cancelled.`, 'Attach to it, or terminate it from the Spot Boxes view.', launched, error);
  }
  return new BoxKeptError(
    `${boxName} (${launched.instanceId}) is running, but preparing it failed: ${userMessageOf(error)}`,
    // The box carries its login user in a tag, so a wrong one is fixed by a new launch, not by hand.
    error instanceof SshLoginRefusedError
      ? 'Terminate it from the Spot Boxes view and launch again once "sshUser" is right.'
      : 'The box is kept: attach to it and fix this by hand, or terminate it from the Spot Boxes view.',
    launched,
    error,
  );
}
