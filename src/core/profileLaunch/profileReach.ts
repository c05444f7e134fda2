import { redactUrl } from '../logging/redactUrl';
import type { SpotboxProfile } from '../profile/profileTypes';

const SHOWN_COMMAND_CHARS = 120;

function shownCommand(command: string): string {
  const oneLine = command.replace(/\s+/g, ' ').trim();
  return `\`${oneLine.length > SHOWN_COMMAND_CHARS ? `${oneLine.slice(0, SHOWN_COMMAND_CHARS)}…` : oneLine}\``;
}

/**
 * What the profile makes the box do beyond being a box — where its data goes, what it runs, what
 * it fetches, which AWS role it gets — one item each. A profile from a cloned repository is
 * untrusted input, so the pre-flight names these before anything is created.
 */
export function profileReach(profile: SpotboxProfile): string[] {
  const reach: string[] = [];
  if (profile.checkpoint) {
    reach.push(`uploads checkpoints and the workspace to s3://${profile.checkpoint.bucket}/${profile.checkpoint.prefix}`);
    if (profile.checkpoint.instanceProfile) {
      reach.push(`gives the box the IAM instance profile ${profile.checkpoint.instanceProfile}`);
    }
    if (profile.checkpoint.command) {
      reach.push(`runs ${shownCommand(profile.checkpoint.command)} before each checkpoint`);
    }
  }
  if (profile.session) {
    reach.push(`runs ${shownCommand(profile.session.command)} as the session`);
  }
  if (profile.cloneFrom) {
    reach.push(`clones ${redactUrl(profile.cloneFrom)}`);
  }
  return reach;
}

/** The pre-flight's sentence for profileReach, or '' when the profile does nothing beyond the box. */
export function profileReachLine(profile: SpotboxProfile): string {
  const reach = profileReach(profile);
  return reach.length > 0 ? `The profile ${reach.join('; ')}.` : '';
}
