import type { Box } from '../core/boxes/box';
import { SpotboxError } from '../core/errors';

/**
 * The box a command argument names, as the store knows it. Commands are callable by any
 * extension with any argument, so an object that merely looks like a tree node is not trusted:
 * only its instance id (and region) count, and they must name a box Spotbox lists. Undefined
 * when there is no argument (the palette): the caller asks.
 */
export function knownBoxOf(boxes: readonly Box[], argument: unknown): Box | undefined {
  if (argument === undefined || argument === null) {
    return undefined;
  }
  const claimed = typeof argument === 'string' ? { instanceId: argument } : boxClaim(argument);
  const known = claimed && boxes.find((box) => box.instanceId === claimed.instanceId && (claimed.region === undefined || box.region === claimed.region));
  if (!known) {
    throw new SpotboxError(`${claimed ? `${claimed.instanceId.slice(0, 40)} is not a box Spotbox lists` : 'The command was given something that is not a box'}; nothing was done.`, 'Run the command from the Spot Boxes view, or from the palette to pick a box.');
  }
  return known;
}

function boxClaim(argument: unknown): { instanceId: string; region?: string } | undefined {
  const node = argument as { kind?: unknown; box?: { instanceId?: unknown; region?: unknown } };
  const instanceId = node?.box?.instanceId;
  const region = node?.box?.region;
  if (node?.kind !== 'box' || typeof instanceId !== 'string' || !/^i-[0-9a-f]{8,17}$/.test(instanceId)) {
    return undefined;
  }
  return { instanceId, ...(typeof region === 'string' ? { region } : {}) };
}
