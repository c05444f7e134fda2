import * as vscode from 'vscode';
import type { BoxStore } from '../core/boxes/boxStore';
import { UserCancelledError } from '../core/errors';
import { DEFAULT_GRACE_MS } from '../core/hygiene/classifyOrphans';
import { deleteOrphans } from '../core/hygiene/deleteOrphans';
import { findOrphans } from '../core/hygiene/findOrphans';
import { ageLabel, countByKind, describeOrphan, KIND_LABELS, sweepSummary } from '../core/hygiene/orphanLabels';
import type { HygieneCloud, Orphan } from '../core/hygiene/orphanTypes';
import type { Logger } from '../core/logging/logger';

export interface SweepCommandDeps {
  readonly cloud: () => HygieneCloud;
  readonly regions: () => readonly string[];
  /** Where launches wrote private keys; a swept key pair's .pem goes too. */
  readonly keyDirectory: string;
  readonly boxStore: BoxStore;
  readonly logger: Logger;
}

interface OrphanItem extends vscode.QuickPickItem {
  readonly orphan: Orphan;
}

const KIND_ICONS: Record<Orphan['kind'], string> = {
  instance: '$(vm)',
  'launch-template': '$(file-code)',
  'key-pair': '$(key)',
  'security-group': '$(shield)',
};

/**
 * Spotbox: Sweep Orphaned Resources — finds what no live box needs in every configured region
 * (terminated boxes' groups, keys and templates; interrupted rollbacks; stopped boxes), lets the
 * user untick anything to keep, confirms, then deletes in dependency order and sums up.
 */
export async function sweepOrphansCommand(deps: SweepCommandDeps): Promise<void> {
  const regions = deps.regions();
  const scan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Looking for orphaned Spotbox resources in ${regions.join(', ')}` }, () =>
    findOrphans(deps.cloud(), { regions }),
  );
  for (const problem of scan.problems) deps.logger.warn(`sweep: ${problem}`);
  const notes = [
    scan.recent.length > 0 ? `${scan.recent.length} resource(s) with no box are less than ${DEFAULT_GRACE_MS / 60_000} minutes old and were left alone: a launch may be creating them.` : '',
    scan.problems.length > 0 ? `Not checked: ${scan.problems.join('; ')}` : '',
  ].filter(Boolean);
  if (scan.orphans.length === 0) {
    const verdict = scan.recent.length > 0 ? 'Nothing to sweep yet.' : 'Nothing to sweep: every Spotbox resource belongs to a live box.';
    void vscode.window.showInformationMessage([verdict, ...notes].join(' '));
    return;
  }

  const now = Date.now();
  const items: OrphanItem[] = scan.orphans.map((orphan) => ({
    label: `${KIND_ICONS[orphan.kind]} ${KIND_LABELS[orphan.kind]} ${orphan.id}`,
    description: [orphan.region, ageLabel(orphan.createdAt, now), orphan.name && orphan.name !== orphan.id ? orphan.name : orphan.boxName].filter(Boolean).join(' · '),
    detail: orphan.reason,
    picked: true,
    orphan,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Sweep: ${countByKind(scan.orphans)} without a live box`,
    placeHolder: 'Untick anything to keep; nothing is deleted until you confirm',
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  if (!picked || picked.length === 0) {
    throw new UserCancelledError();
  }
  const chosen = picked.map((item) => item.orphan);
  const confirm = 'Delete';
  const answer = await vscode.window.showWarningMessage(
    `Delete ${countByKind(chosen)}?`,
    {
      modal: true,
      detail: `${chosen.map((orphan) => `${describeOrphan(orphan)} in ${orphan.region}`).join('\n')}\n\nInstances are terminated with their disks; private key files of deleted key pairs are removed from this machine.`,
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
      return await deleteOrphans(deps.cloud(), chosen, {
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
