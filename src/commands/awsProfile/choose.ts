import * as vscode from 'vscode';
import type { Ec2ClientPool } from '../../core/aws/ec2ClientPool';
import { listAwsProfiles } from '../../core/aws/awsProfiles';
import { toUserError } from '../../core/aws/awsErrors';
import { UserCancelledError } from '../../core/errors';

const KIND_LABELS = { sso: 'IAM Identity Center (SSO)', 'assume-role': 'assumes a role', process: 'credential process', keys: 'access keys', other: 'settings only' } as const;

/**
 * Spotbox: Choose AWS Profile — picks the profile every AWS call uses (spotbox.awsProfile), then
 * proves it with one EC2 call so a broken profile is found now, with its reason, not mid-launch.
 */
export async function chooseAwsProfileCommand(deps: { clientsFor: (profile: string | undefined) => Ec2ClientPool; region: () => string }): Promise<void> {
  const profiles = listAwsProfiles();
  const current = vscode.workspace.getConfiguration('spotbox').get<string>('awsProfile') ?? '';
  const picked = await vscode.window.showQuickPick(
    [
      { label: '$(key) Default credential chain', description: current === '' ? 'current' : '', detail: 'AWS_PROFILE, environment variables, SSO cache, instance role: as the AWS CLI does', profile: '' },
      ...profiles.map((profile) => ({
        label: `$(account) ${profile.name}`,
        description: [profile.name === current ? 'current' : '', profile.region ?? '', profile.endpoints ? 'custom endpoints' : ''].filter(Boolean).join(' · '),
        detail: KIND_LABELS[profile.kind],
        profile: profile.name,
      })),
    ],
    { title: 'AWS profile for Spotbox', placeHolder: profiles.length === 0 ? 'No profiles in ~/.aws/config: run "aws configure" or "aws configure sso" first' : 'Profiles from ~/.aws/config and ~/.aws/credentials' },
  );
  if (!picked) {
    throw new UserCancelledError();
  }
  const region = deps.region();
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking the AWS profile ${picked.profile || '(default chain)'}` }, async () => {
    const { DescribeAvailabilityZonesCommand } = await import('@aws-sdk/client-ec2');
    const pool = deps.clientsFor(picked.profile || undefined);
    try {
      await (await pool.client(region)).send(new DescribeAvailabilityZonesCommand({}));
    } catch (error) {
      throw toUserError(error, { action: `Trying the profile ${picked.profile || '(default chain)'}`, region });
    } finally {
      pool.dispose();
    }
  });
  await vscode.workspace.getConfiguration('spotbox').update('awsProfile', picked.profile, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(`Spotbox now uses ${picked.profile ? `the AWS profile "${picked.profile}"` : 'the default credential chain'} (checked against EC2 in ${region}).`);
}
