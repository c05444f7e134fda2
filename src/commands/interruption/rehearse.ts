import * as vscode from 'vscode';
import type { Ec2ClientPool } from '../../core/aws/ec2ClientPool';
import type { BoxStore } from '../../core/boxes/boxStore';
import { SpotboxError, UserCancelledError } from '../../core/errors';
import type { Logger } from '../../core/logging/logger';
import { rehearseSpotInterruption } from '../../core/rehearsal/fisRehearsal';
import type { LineageStore } from '../../core/recovery/lineageStore';
import { boxFromArgumentOrPick } from '../boxFromArgumentOrPick';
import type { SettingsReader } from '../../config/settingsReader';

export interface RehearseDeps {
  readonly boxStore: BoxStore;
  readonly clients: () => Ec2ClientPool;
  readonly settings: SettingsReader;
  readonly lineages: LineageStore;
  readonly logger: Logger;
}

const LEADS = [
  { minutes: 2, label: 'as AWS does' },
  { minutes: 5, label: 'time to watch the agent' },
  { minutes: 10, label: 'after a long checkpoint' },
];

/**
 * Spotbox: Rehearse an Interruption — the real thing on purpose: an AWS FIS experiment sends the
 * box the spot notice and EC2 then terminates it, so the checkpoint and the resume are proven before
 * a real interruption needs them. Picking a lead is the confirmation; Escape cancels.
 */
export async function rehearseInterruptionCommand(deps: RehearseDeps, argument: unknown): Promise<void> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Rehearse an interruption of which box?');
  if (box.state !== 'running' || box.lifecycle !== 'spot') {
    throw new SpotboxError(`${box.name} is ${box.state === 'running' ? 'an on-demand box' : box.state}: only a running spot box can be interrupted.`);
  }
  const roleArn = deps.settings.settings.fisRoleArn;
  if (!roleArn) {
    throw new SpotboxError(
      'Rehearsing needs an IAM role that AWS Fault Injection Service can assume.',
      'Set spotbox.fisRoleArn to a role trusted by fis.amazonaws.com with ec2:SendSpotInstanceInterruptions and ec2:DescribeInstances.',
    );
  }
  const resumes = (await deps.lineages.findByInstance(box.instanceId))?.checkpoint !== undefined;
  const picked = await vscode.window.showQuickPick(
    LEADS.map((lead) => ({ label: `$(debug-disconnect) Interrupt ${box.name} in ${lead.minutes} minutes`, description: lead.label, minutes: lead.minutes })),
    {
      title: `Rehearse a spot interruption of ${box.name} (${box.instanceId})`,
      placeHolder: resumes
        ? 'AWS sends the real notice, then TERMINATES the box; Spotbox checkpoints and resumes on a replacement'
        : 'AWS sends the real notice, then TERMINATES the box. It has no checkpoint settings: its work is lost',
      ignoreFocusOut: true,
    },
  );
  if (!picked) {
    throw new UserCancelledError();
  }
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting an AWS FIS experiment on ${box.name}`, cancellable: true }, async (_progress, token) => {
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    try {
      const awsProfile = deps.settings.settings.awsProfile || undefined;
      return await rehearseSpotInterruption(
        { region: box.region, instanceId: box.instanceId, roleArn, leadSeconds: picked.minutes * 60, signal: controller.signal, ...(awsProfile ? { profile: awsProfile } : {}) },
        { ec2Clients: deps.clients(), logger: deps.logger },
      );
    } finally {
      subscription.dispose();
    }
  });
  void vscode.window.showInformationMessage(
    `FIS experiment ${result.experimentId} is running: ${box.name} gets the spot notice now and is terminated at ${result.interruptionAt.toLocaleTimeString()}. Watch the Spot Boxes view${resumes ? ' for the checkpoint and the replacement' : ''}.`,
  );
}
