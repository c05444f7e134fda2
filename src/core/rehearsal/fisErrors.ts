import { toUserError } from '../aws/awsErrors';
import { SpotboxError } from '../errors';
import { FIS_ROLE_DOC } from './rehearsalRequest';

/** One FIS call as the user would name it, with the permission it needs. */
export interface FisCall {
  readonly action: string;
  readonly region: string;
  /** IAM action(s) the caller needs for this call, e.g. fis:StartExperiment. */
  readonly permission: string;
}

const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

/** Turns a FIS API error into one that says which permission, role or quota to fix. */
export function fisCallError(error: unknown, call: FisCall): SpotboxError {
  const e = (error ?? {}) as { name?: string; message?: string };
  const name = e.name ?? '';
  const detail = e.message ? `: ${e.message}` : '';
  if (ACCESS_DENIED.has(name)) {
    return new SpotboxError(`AWS denied ${call.action} in ${call.region} (${name})${detail}.`, `Grant your AWS identity ${call.permission}.`, { cause: error });
  }
  if (name === 'ValidationException' && /role/i.test(e.message ?? '')) {
    return new SpotboxError(
      `AWS FIS refused the role in spotbox.fisRoleArn${detail}.`,
      `Check that the role exists, trusts fis.amazonaws.com, and that you may pass it (iam:PassRole); see ${FIS_ROLE_DOC}`,
      { cause: error },
    );
  }
  if (name === 'ValidationException') {
    return new SpotboxError(`AWS FIS refused ${call.action}${detail}.`, 'Check the region (FIS interrupts spot instances in most, but not all, regions) and the lead.', { cause: error });
  }
  if (name === 'ServiceQuotaExceededException') {
    return new SpotboxError(`AWS FIS quota reached for ${call.action} in ${call.region}${detail}.`, 'Wait for running experiments to end, or delete unused experiment templates in the FIS console.', { cause: error });
  }
  return toUserError(error, call);
}

/**
 * An experiment FIS ended as failed or stopped, with FIS's reason and the fix it usually points to:
 * the role (cannot be assumed, lacks ec2:SendSpotInstanceInterruptions) or the target.
 */
export function experimentFailure(instanceId: string, experimentId: string, status: string, reason: string | undefined): SpotboxError {
  const why = reason ? `: ${reason}` : '';
  const message = `AWS FIS ${status === 'failed' ? 'failed' : `ended (${status})`} the interruption of ${instanceId} (experiment ${experimentId})${why}.`;
  const text = reason ?? '';
  if (/assume/i.test(text)) {
    return new SpotboxError(message, `Let fis.amazonaws.com assume the role in spotbox.fisRoleArn (its trust policy); see ${FIS_ROLE_DOC}`);
  }
  if (/not authori[sz]ed|access ?denied|permission/i.test(text)) {
    return new SpotboxError(message, `Give the role in spotbox.fisRoleArn ec2:SendSpotInstanceInterruptions and ec2:DescribeInstances (AWSFaultInjectionSimulatorEC2Access); see ${FIS_ROLE_DOC}`);
  }
  if (/target|resource/i.test(text)) {
    return new SpotboxError(message, 'The box may have ended or not be a running spot instance any more; refresh the Spot Boxes view.');
  }
  return new SpotboxError(message, `Look up experiment ${experimentId} in the AWS FIS console for details.`);
}
