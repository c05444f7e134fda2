import * as vscode from 'vscode';
import { UserCancelledError } from '../../core/errors';

const DISCONNECT = '';

/**
 * Spotbox: Choose GCP Project — picks the gcloud configuration (and so the project, credentials and
 * endpoints) Spotbox reads Google Cloud through, then proves it with the tree's own call, so a
 * broken login is found now with its next step. Settings are written to the user's settings only:
 * they choose credentials, which a workspace must never do.
 */
export async function chooseGcpProjectCommand(): Promise<void> {
  // The gcloud readers are small, but the check below loads google-auth-library: both on first use.
  const { listGcloudConfigurations } = await import('../../core/gcp/gcloudConfig');
  const configurations = listGcloudConfigurations();
  const spotbox = vscode.workspace.getConfiguration('spotbox');
  const current = spotbox.get<string>('gcpConfiguration') ?? '';
  const picked = await vscode.window.showQuickPick(
    [
      ...configurations.map((configuration) => ({
        label: `$(cloud) ${configuration.name}`,
        description: [configuration.name === current ? 'current' : configuration.active ? 'gcloud’s active one' : '', configuration.project ?? 'no project set', configuration.endpointOverrides ? 'custom endpoints' : ''].filter(Boolean).join(' · '),
        detail: configuration.account ?? 'credentials: Application Default Credentials',
        configuration: configuration.name,
      })),
      { label: '$(debug-disconnect) Do not use Google Cloud', description: current === DISCONNECT ? 'current' : '', detail: 'The tree shows AWS only', configuration: DISCONNECT },
    ],
    {
      title: 'Google Cloud for Spotbox: a gcloud configuration',
      placeHolder: configurations.length === 0 ? 'No gcloud configuration here: run "gcloud init" and "gcloud auth application-default login" first' : 'Configurations from gcloud’s config folder (project, credentials, endpoints)',
    },
  );
  if (!picked) {
    throw new UserCancelledError();
  }
  if (picked.configuration === DISCONNECT) {
    await spotbox.update('gcpConfiguration', undefined, vscode.ConfigurationTarget.Global);
    await spotbox.update('gcpProject', undefined, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage('Spotbox no longer reads Google Cloud; the tree shows AWS only.');
    return;
  }
  const connection = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking the gcloud configuration ${picked.configuration}` }, async () =>
    (await import('../../core/gcp/gcpConnectionCheck')).checkGcpConnection({ configuration: picked.configuration }),
  );
  await spotbox.update('gcpConfiguration', picked.configuration, vscode.ConfigurationTarget.Global);
  await spotbox.update('gcpProject', undefined, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(
    `Spotbox now reads Google Cloud project ${connection.project} through the gcloud configuration "${connection.configuration}" (credentials: ${connection.credentials}); ${connection.boxes} Spotbox ${connection.boxes === 1 ? 'box' : 'boxes'} there now.`,
  );
}
