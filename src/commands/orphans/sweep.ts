import * as os from 'node:os';
import * as vscode from 'vscode';
import type { BoxStore } from '../../core/boxes/boxStore';
import { UserCancelledError } from '../../core/errors';
import { DEFAULT_GRACE_MS } from '../../core/hygiene/classifyOrphans';
import { CLOUD_FACTS } from '../../core/cloud/clouds';
import { GCE_SWEEP_SCOPE } from '../../core/hygiene/gceHygieneCloud';
import { deleteOrphansInClouds, findOrphansInClouds, type SweepTarget } from '../../core/hygiene/sweepClouds';
import { ageLabel, countByKind, describeOrphan, pickLabel, sweepSummary } from '../../core/hygiene/orphanLabels';
import type { Orphan } from '../../core/hygiene/orphanTypes';
import { sweepSections } from '../../core/hygiene/sweepChoices';
import type { Logger } from '../../core/logging/logger';

export interface SweepCommandDeps {
  /** Every connected cloud: AWS in the configured regions, Google Cloud once a configuration is chosen. */
  readonly targets: () => Promise<readonly SweepTarget[]>;
  /** This installation's owner id: its orphans are ticked, other owners' are listed apart, unticked. */
  readonly ownerId: string;
  /** Where launches wrote private keys; a swept key pair's .pem goes too. */
  readonly keyDirectory: string;
  readonly boxStore: BoxStore;
  /** Fleets of the lineages this editor's journal records as ended (LineageRecord.ended). */
  readonly endedFleetIds: () => Promise<readonly string[]>;
  readonly logger: Logger;
}

interface OrphanItem extends vscode.QuickPickItem {
  readonly orphan?: Orphan;
}

const KIND_ICONS: Record<Orphan['kind'], string> = {
  fleet: '$(sync)',
  instance: '$(vm)',
  'launch-template': '$(file-code)',
  'key-pair': '$(key)',
  'security-group': '$(shield)',
};

/**
 * Spotbox: Sweep Orphaned Resources — finds what no live box needs in every configured region
 * (terminated boxes' groups, keys and templates; interrupted rollbacks; stopped boxes), lets the
 * user untick anything to keep, confirms, then deletes in dependency order and sums up. Only this
 * installation's resources start ticked; other owners' are listed apart (see sweepSections).
 */
export async function sweepOrphansCommand(deps: SweepCommandDeps): Promise<void> {
  const targets = await deps.targets();
  const where = targets.map((target) => target.where).join('; ');
  const scan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Looking for orphaned Spotbox resources in ${where}` }, async () =>
    findOrphansInClouds(targets, { ownerId: deps.ownerId, endedFleetIds: await deps.endedFleetIds() }),
  );
  for (const problem of scan.problems) deps.logger.warn(`sweep: ${problem}`);
  const ageless = scan.recent.filter((orphan) => orphan.createdAt === undefined).length;
  const young = scan.recent.length - ageless;
  const notes = [
    young > 0 ? `${young} resource(s) with no box are less than ${DEFAULT_GRACE_MS / 60_000} minutes old and were left alone: a launch may be creating them.` : '',
    ageless > 0 ? `${ageless} resource(s) with neither a spotbox:session tag nor a creation time were left alone: nothing shows they are old.` : '',
    scan.problems.length > 0 ? `Not checked: ${scan.problems.join('; ')}` : '',
  ].filter(Boolean);
  if (scan.orphans.length === 0 && scan.otherOwners.length === 0) {
    const verdict = scan.recent.length > 0 ? 'Nothing to sweep yet.' : 'Nothing to sweep: every Spotbox resource belongs to a live box.';
    void vscode.window.showInformationMessage([verdict, ...notes].join(' '));
    return;
  }

  const now = Date.now();
  const items: OrphanItem[] = sweepSections(scan, { osUserName: safeUserName() }).flatMap((section) => [
    { label: section.title, kind: vscode.QuickPickItemKind.Separator },
    ...section.choices.map(
      ({ orphan, picked, detail }): OrphanItem => ({
        label: `${KIND_ICONS[orphan.kind]} ${pickLabel(orphan)}`,
        description: [orphan.cloud && targets.length > 1 ? CLOUD_FACTS[orphan.cloud].label : '', orphan.region === GCE_SWEEP_SCOPE ? '' : orphan.region, ageLabel(orphan.createdAt, now), orphan.name && orphan.name !== orphan.id ? orphan.name : orphan.boxName].filter(Boolean).join(' · '),
        detail,
        picked,
        orphan,
      }),
    ),
  ]);
  const title = [
    scan.orphans.length > 0 ? `${countByKind(scan.orphans)} of this installation without a live box` : '',
    scan.otherOwners.length > 0 ? `${scan.otherOwners.length} of other owners (not ticked)` : '',
  ].filter(Boolean);
  const picked = await vscode.window.showQuickPick(items, {
    title: `Sweep: ${title.join('; ')}`,
    placeHolder: "Only this installation's leftovers are ticked; untick anything to keep. Nothing is deleted until you confirm",
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  const chosen = (picked ?? []).flatMap((item) => (item.orphan ? [item.orphan] : []));
  if (chosen.length === 0) {
    throw new UserCancelledError();
  }
  const ofOthers = chosen.filter((orphan) => orphan.owner !== deps.ownerId).length;
  const confirm = 'Delete';
  const answer = await vscode.window.showWarningMessage(
    `Delete ${countByKind(chosen)}?`,
    {
      modal: true,
      detail: `${chosen.map((orphan) => `${describeOrphan(orphan)}${orphan.region === GCE_SWEEP_SCOPE ? '' : ` in ${orphan.region}`}`).join('\n')}\n\n${ofOthers > 0 ? `${ofOthers} of these were not launched from this Spotbox installation. ` : ''}${chosen.some((orphan) => orphan.kind === 'fleet') ? 'Fleets and managed instance groups are deleted first, so that they launch nothing more, with any instances they still run. ' : ''}Instances are terminated with their disks; private key files of deleted key pairs are removed from this machine.`,
    },
    confirm,
  );
  if (answer !== confirm) {
    throw new UserCancelledError();
  }

  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Sweeping orphaned Spotbox resources', cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    let reported = 0;
    try {
      return await deleteOrphansInClouds(targets, chosen, {
        keyDirectory: deps.keyDirectory,
        logger: deps.logger,
        signal: controller.signal,
        onProgress: ({ message, done, total }) => {
          progress.report({ message: `${message} (${done}/${total})`, increment: ((done - reported) / Math.max(1, total)) * 100 });
          reported = done;
        },
      });
    } finally {
      subscription.dispose();
    }
  });
  await deps.boxStore.refresh().catch(() => undefined);
  const summary = [sweepSummary(result), ...notes].join(' ');
  if (result.failed.length > 0) {
    void vscode.window.showWarningMessage(summary);
  } else {
    void vscode.window.showInformationMessage(summary);
  }
}

/** The OS user name older Spotbox versions tagged as owner; os.userInfo throws where there is none. */
function safeUserName(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined;
  }
}
