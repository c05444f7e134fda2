import type { Box } from '../core/boxes/box';
import { SpotboxError } from '../core/errors';

/**
 * The box a command argument names, as the store knows it. Commands are callable by any
 * extension with any argument, so an object that merely looks like a tree node is not trusted:
 * only its instance id (and region and cloud) count, and they must name a box Spotbox lists. Undefined
 * when there is no argument (the palette): the caller asks.
 */
export function knownBoxOf(boxes: readonly Box[], argument: unknown): Box | undefined {
  if (argument === undefined || argument === null) {
    return undefined;
  }
  const claimed = typeof argument === 'string' ? { instanceId: argument } : boxClaim(argument);
  const known = claimed && boxes.find((box) => box.instanceId === claimed.instanceId && (claimed.region === undefined || box.region === claimed.region) && (claimed.cloud === undefined || box.cloud === claimed.cloud));
  if (!known) {
    throw new SpotboxError(`${claimed ? `${claimed.instanceId.slice(0, 40)} is not a box Spotbox lists` : 'The command was given something that is not a box'}; nothing was done.`, 'Run the command from the Spot Boxes view, or from the palette to pick a box.');
  }
  return known;
}

/** Longer than any id a cloud gives a box (EC2's i-…, a Compute Engine instance name, an Azure VM's resource id). */
const MAX_INSTANCE_ID_LENGTH = 1024;

function boxClaim(argument: unknown): { instanceId: string; region?: string; cloud?: string } | undefined {
  const node = argument as { kind?: unknown; box?: { instanceId?: unknown; region?: unknown; cloud?: unknown } };
  const instanceId = node?.box?.instanceId;
  const region = node?.box?.region;
  const cloud = node?.box?.cloud;
  // Any cloud's id shape: only an id the store lists is ever acted on.
  if (node?.kind !== 'box' || typeof instanceId !== 'string' || instanceId.length === 0 || instanceId.length > MAX_INSTANCE_ID_LENGTH) {
    return undefined;
  }
  return { instanceId, ...(typeof region === 'string' ? { region } : {}), ...(typeof cloud === 'string' ? { cloud } : {}) };
}
