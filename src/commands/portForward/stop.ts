import type { ActivePortForward, PortForwardRegistry } from '../../core/attach/portForwardRegistry';

/** Spotbox: Stop Port Forward — closes the forward of the tree node it was invoked on; anything else is ignored. */
export async function stopPortForwardCommand(forwards: PortForwardRegistry, argument: unknown): Promise<void> {
  const node = argument as { kind?: string; forward?: ActivePortForward } | undefined;
  const forward = node?.kind === 'forward' ? node.forward : undefined;
  if (forward) {
    await forwards.close(forward.instanceId, forward.remotePort);
  }
}
