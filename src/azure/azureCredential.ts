import * as vscode from 'vscode';
import type { ArmTokenSource } from '../core/azure/armHttp';
import { armScopeOf } from '../core/azure/azureAuth';
import type { AzureCliConfig } from '../core/azure/azureCliConfig';
import { PUBLIC_CLOUD } from '../core/azure/azureCliConfig';

/**
 * ARM tokens the VS Code way first: the Microsoft account signed in to VS Code (its built-in
 * `microsoft` authentication provider), which speaks for Azure's public cloud only; then
 * @azure/identity's chain (a service principal in the environment, `az login`, a managed identity),
 * which follows the Azure CLI's active cloud. `interactive` lets VS Code ask the user to sign in
 * when neither has a token (the Choose command); the tree and launches never pop a sign-in.
 */
export async function azureTokenSource(config: AzureCliConfig, options: { interactive: boolean; /** Another resource's scope (Blob storage's); ARM's by default. */ scope?: string }): Promise<ArmTokenSource> {
  const [{ AzureIdentityTokens }, { FirstWorkingTokens }] = await Promise.all([import('../core/azure/azureAuth'), import('../core/azure/firstWorkingTokens')]);
  const identity = { name: 'Azure CLI / environment / managed identity', source: new AzureIdentityTokens({ config, ...(options.scope ? { scope: options.scope } : {}) }) };
  if (config.cloudName !== PUBLIC_CLOUD) return identity.source;
  const scope = options.scope ?? armScopeOf(config);
  const vscodeAccount = (createIfNone: boolean): ArmTokenSource => ({
    async token() {
      const session = await vscode.authentication.getSession('microsoft', [scope], createIfNone ? { createIfNone: true } : { silent: true });
      if (!session) throw new Error('no Microsoft account is signed in to VS Code');
      return session.accessToken;
    },
  });
  return new FirstWorkingTokens([
    { name: 'VS Code Microsoft account', source: vscodeAccount(false) },
    identity,
    ...(options.interactive ? [{ name: 'VS Code sign-in', source: vscodeAccount(true) }] : []),
  ]);
}
