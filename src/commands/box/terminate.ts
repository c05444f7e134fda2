import * as vscode from 'vscode';
import type { Ec2ClientPool } from '../../core/aws/ec2ClientPool';
import { isBillable, type Box } from '../../core/boxes/box';
import type { AzureClients } from '../../core/azure/azureClients';
import type { ComputeClient } from '../../core/gcp/computeClient';
import { TERMINATION_PROGRESS, terminateOnOtherCloud } from '../../boxes/terminateOnOtherClouds';
import type { BoxStore } from '../../core/boxes/boxStore';
import { ec2TerminationCloud, FleetNotOursError, terminateBox } from '../../core/boxes/terminateBox';
import { isEarlierFleetBox, lineageOfBox } from '../../core/recovery/lineageOfBox';
import { UserCancelledError } from '../../core/errors';
import { withEnded } from '../../core/recovery/lineageEnded';
import type { LineageStore } from '../../core/recovery/lineageStore';
import { boxFromArgumentOrPick } from '../boxFromArgumentOrPick';

export interface TerminateCommandDeps {
  readonly boxStore: BoxStore;
  readonly clients: () => Ec2ClientPool;
  /** Google Cloud's compute client, for a box on Compute Engine. */
  readonly gcpCompute: () => Promise<ComputeClient>;
  /** Azure's clients, for a box on Azure. */
  readonly azureClients: () => Promise<AzureClients>;
  /** Where launches keep private keys: a Compute Engine or Azure box's key goes with it. */
  readonly keyDirectory: string;
  readonly lineages: LineageStore;
  /** This installation's owner id: only a fleet carrying it is deleted with its box. */
  readonly ownerId: string;
  /** Removes what the box's launch created (key pair, security group, template) once it is gone. */
  readonly releaseLaunchResources: (box: Box) => Promise<void>;
}

/**
 * Spotbox: Terminate Box — a modal confirm (the disk goes with it), then terminate and clean up. A
 * box kept by this installation's EC2 Fleet (type maintain) goes with its fleet, so that nothing
 * relaunches it; one kept by another's fleet is refused, with the next step (terminateBox).
 */
export async function terminateBoxCommand(deps: TerminateCommandDeps, argument: unknown): Promise<void> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Terminate which box?');
  const confirm = 'Terminate';
  const answer = await vscode.window.showWarningMessage(
    `Terminate ${box.name} (${box.instanceId}, ${box.instanceType} in ${box.region})?`,
    { modal: true, detail: `Its disk is deleted with it: anything not checkpointed to S3 or pushed is lost.${isBillable(box) ? '' : ` The box is ${box.state}.`}` },
    confirm,
  );
  if (answer !== confirm) {
    throw new UserCancelledError();
  }
  if (box.cloud !== 'aws') {
    const cloudBox = { ...box, cloud: box.cloud };
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Terminating ${box.name}` }, async (progress) => {
      progress.report({ message: TERMINATION_PROGRESS[cloudBox.cloud] });
      await terminateOnOtherCloud(cloudBox, deps);
      await deps.boxStore.refresh();
    });
    return;
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Terminating ${box.name}` }, async (progress) => {
    const record = await lineageOfBox(deps.lineages, box);
    if (isEarlierFleetBox(record, box.instanceId)) {
      // The lineage lives on on its replacement: this box goes alone, its fleet and launch resources stay.
      await ec2TerminationCloud(deps.clients()).terminateInstance(box.region, box.instanceId);
      progress.report({ message: `${box.name} goes on on ${record!.currentInstanceId}` });
      await deps.boxStore.refresh();
      return;
    }
    // Ended on purpose: its lineage must not be "recovered" when the box disappears.
    if (record) {
      await deps.lineages.update(record.lineage, (current) => ({ ...current, ended: true }));
    }
    try {
      const termination = await terminateBox(deps.clients(), box, deps.ownerId);
      if (termination.kind === 'fleet') {
        progress.report({ message: `deleted its EC2 Fleet ${termination.fleetId}, which would have replaced it` });
      }
    } catch (error) {
      if (record && error instanceof FleetNotOursError) {
        // Nothing was touched: the box lives on, and so does its lineage.
        await deps.lineages.update(record.lineage, (current) => withEnded(current, record.ended));
      }
      throw error;
    }
    await deps.boxStore.refresh();
    // The key pair, security group and template go once the instance is gone (a minute or two on AWS):
    // the release waits for it, after the fleet that could have launched from them.
    progress.report({ message: 'removing its key pair, security group and launch template' });
    await deps.releaseLaunchResources(box);
  });
}
