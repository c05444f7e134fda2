import * as vscode from 'vscode';
import { azureTokenSource } from '../../azure/azureCredential';
import { UserCancelledError } from '../../core/errors';

const DISCONNECT = '';

/**
 * Spotbox: Choose Azure Subscription — lists the subscriptions the user's credentials see in the
 * Azure CLI's active cloud, then proves the one picked with the tree's own calls, so a missing role
 * is found now with its next step. Written to the user's settings only: a workspace must never
 * choose credentials or endpoints.
 */
export async function chooseAzureSubscriptionCommand(): Promise<void> {
  const { readAzureCliConfig } = await import('../../core/azure/azureCliConfig');
  const { listAzureSubscriptions, checkAzureConnection } = await import('../../core/azure/azureConnectionCheck');
  const config = readAzureCliConfig();
  const credential = await azureTokenSource(config, { interactive: true });
  const spotbox = vscode.workspace.getConfiguration('spotbox');
  const current = spotbox.get<string>('azureSubscription') ?? '';
  const listed = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Listing Azure subscriptions (cloud ${config.cloudName})` }, () => listAzureSubscriptions(credential));
  const picked = await vscode.window.showQuickPick(
    [
      ...listed.subscriptions.map((subscription) => ({
        label: `$(azure) ${subscription.displayName}`,
        description: [subscription.subscriptionId, subscription.subscriptionId === current ? 'current' : '', subscription.state && subscription.state !== 'Enabled' ? subscription.state : ''].filter(Boolean).join(' · '),
        detail: `Cloud ${listed.cloudName} (${config.endpoints.resourceManager})`,
        subscriptionId: subscription.subscriptionId,
      })),
      { label: '$(debug-disconnect) Do not use Azure', description: current === DISCONNECT ? 'current' : '', detail: 'The tree shows the other clouds only', subscriptionId: DISCONNECT },
    ],
    {
      title: 'Azure for Spotbox: a subscription',
      placeHolder: listed.subscriptions.length === 0 ? 'These credentials see no subscription: run "az login" with an account that has one' : `Subscriptions your credentials see in ${listed.cloudName}`,
      matchOnDescription: true,
    },
  );
  if (!picked) throw new UserCancelledError();
  if (picked.subscriptionId === DISCONNECT) {
    await spotbox.update('azureSubscription', undefined, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage('Spotbox no longer reads Azure.');
    return;
  }
  const connection = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking Azure subscription ${picked.subscriptionId}` }, () => checkAzureConnection(picked.subscriptionId, credential));
  await spotbox.update('azureSubscription', picked.subscriptionId, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(`Spotbox now reads Azure subscription ${picked.subscriptionId} (cloud ${connection.cloudName}); ${connection.boxes} Spotbox ${connection.boxes === 1 ? 'box' : 'boxes'} there now.`);
}
