import * as vscode from 'vscode';
import { UserCancelledError } from '../core/errors';
import { profileReach } from '../core/profileLaunch/profileReach';
import type { SpotboxProfile } from '../core/profile/profileTypes';

const LAUNCH_ANYWAY = 'Launch Anyway';

/**
 * In a workspace the user has not trusted, the profile came with code they have not vetted: ask
 * (modal) before launching from it, showing what it would run and where its data would go.
 */
export async function confirmUntrustedProfile(profile: SpotboxProfile): Promise<void> {
  if (vscode.workspace.isTrusted) {
    return;
  }
  const reach = profileReach(profile);
  const choice = await vscode.window.showWarningMessage(
    `This workspace is not trusted. Launch "${profile.name}" from its .spotbox/profile.json?`,
    {
      modal: true,
      detail: `The box is billed to your AWS account.${reach.length > 0 ? ` The profile also ${reach.join('; ')}.` : ''} Trust the workspace (Workspaces: Manage Workspace Trust) to stop this question.`,
    },
    LAUNCH_ANYWAY,
  );
  if (choice !== LAUNCH_ANYWAY) {
    throw new UserCancelledError();
  }
}
