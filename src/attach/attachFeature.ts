import type { AzureClients } from '../core/azure/azureClients';
import type { ComputeClient } from '../core/gcp/computeClient';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ec2ClientPool } from '../core/aws/ec2ClientPool';
import type { BoxStore } from '../core/boxes/boxStore';
import { PortForwardRegistry } from '../core/attach/portForwardRegistry';
import { SshAliasRegistry, spotboxSshFiles } from '../core/attach/sshAliasRegistry';
import { PROFILE_DEFAULTS } from '../core/profile/profileTypes';
import type { Logger } from '../core/logging/logger';
import { isActive } from '../core/recovery/recoveryTypes';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { Box } from '../core/boxes/box';
import type { AttachDeps } from '../commands/boxEndpointProgress';
import { BoxEndpoints } from './boxEndpoints';

export interface AttachFeature {
  readonly forwards: PortForwardRegistry;
  readonly aliases: SshAliasRegistry;
  readonly endpoints: BoxEndpoints;
  /** What the attach, terminal, port-forward and SSH-command handlers need (commandRegistry.ts). */
  readonly commandDeps: AttachDeps;
}

/**
 * Attach (Remote-SSH), built-in terminal, port forwards and the SSH command, all through the
 * Spotbox-owned files under `<sshDirectory>/spotbox`. Aliases and forwards of boxes that are gone
 * are dropped as the box list changes. Its commands are registered with all others (commandRegistry.ts).
 */
export function createAttachFeature(
  context: vscode.ExtensionContext,
  deps: { boxStore: BoxStore; clients: () => Ec2ClientPool; gcpCompute: () => Promise<ComputeClient>; azureClients: () => Promise<AzureClients>; keyDirectory: string; sshDirectory: string; logger: Logger; lineages?: LineageStore },
): AttachFeature {
  const files = spotboxSshFiles(deps.sshDirectory);
  const aliases = new SshAliasRegistry(files);
  const forwards = new PortForwardRegistry();
  const endpoints = new BoxEndpoints(deps.clients, deps.gcpCompute, deps.azureClients, aliases, { keyDirectory: deps.keyDirectory, defaultUser: PROFILE_DEFAULTS.sshUser });
  const lineages = deps.lineages;
  const liveBoxOf = lineages
    ? async (box: Box): Promise<{ box?: Box; recovering: boolean }> => {
        const record = await lineages.findByInstance(box.instanceId);
        const currentId = record?.currentInstanceId ?? box.instanceId;
        const boxes = await deps.boxStore.refresh();
        const current = boxes.find((candidate) => candidate.instanceId === currentId && (candidate.state === 'running' || candidate.state === 'interrupting'));
        return { ...(current ? { box: current } : {}), recovering: isActive(record?.recovery) };
      }
    : undefined;
  const attachDeps: AttachDeps = { boxStore: deps.boxStore, endpoints, forwards, userSshConfig: path.join(deps.sshDirectory, 'config'), logger: deps.logger, ...(liveBoxOf ? { liveBoxOf } : {}) };

  context.subscriptions.push(
    deps.boxStore.onDidChange((boxes) => {
      const live = new Set(boxes.filter((box) => box.state === 'running' || box.state === 'interrupting' || box.state === 'pending').map((box) => box.instanceId));
      for (const box of boxes) {
        if (!live.has(box.instanceId)) {
          endpoints.forget(box.instanceId);
        }
      }
      void forwards.closeGone(live);
      // The store only changes after a successful read, so an outage does not wipe the aliases.
      void aliases.prune(live).catch((error: unknown) => deps.logger.warn(`pruning SSH aliases failed: ${String(error)}`));
    }),
    { dispose: () => void forwards.dispose() },
  );

  return { forwards, aliases, endpoints, commandDeps: attachDeps };
}
