import { isAwsRegionName } from '../config/regions';
import { SpotboxError } from '../errors';

/** How to make the role FIS assumes; named in every error about the role. */
export const FIS_ROLE_DOC = 'https://docs.aws.amazon.com/fis/latest/userguide/getting-started-iam-service-role.html';

/** AWS FIS takes durationBeforeInterruption from 2 to 15 minutes. */
export const FIS_LEAD_SECONDS = { min: 120, max: 900 } as const;

/**
 * The sandbox's FIS takes leads from 1 s, so a test or demo need not wait two minutes. Real AWS
 * would refuse such a template with a ValidationException, so only the sandbox may ask for it.
 */
export const SHORT_LEAD_MIN_SECONDS = 1;

export interface RehearsalRequest {
  readonly region: string;
  readonly instanceId: string;
  /** IAM role FIS assumes to interrupt the instance (setting `spotbox.fisRoleArn`). */
  readonly roleArn: string;
  /** Seconds from the experiment's start to the interruption (durationBeforeInterruption). */
  readonly leadSeconds: number;
  /** Named profile of the shared AWS config; the SDK's default chain when absent. */
  readonly profile?: string;
  readonly signal?: AbortSignal;
  /** Leads under FIS's 2-minute minimum, for the sandbox only. */
  readonly allowShortLead?: boolean;
}

export interface ValidRehearsal {
  readonly region: string;
  readonly instanceId: string;
  readonly roleArn: string;
  readonly leadSeconds: number;
  /** ISO-8601 duration for FIS, e.g. PT2M or PT90S. */
  readonly durationBeforeInterruption: string;
}

const ROLE_ARN = /^arn:aws(-cn|-us-gov|-iso[a-z-]*)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/** Checks a rehearsal before anything is sent to AWS; every refusal names the next step. */
export function validateRehearsalRequest(request: RehearsalRequest): ValidRehearsal {
  const roleArn = (request.roleArn ?? '').trim();
  if (roleArn === '') {
    throw new SpotboxError(
      'Rehearsing an interruption needs an IAM role for AWS FIS, and none is set.',
      `Set spotbox.fisRoleArn to a role FIS can assume with ec2:SendSpotInstanceInterruptions and ec2:DescribeInstances (the AWS managed policy AWSFaultInjectionSimulatorEC2Access has both); see ${FIS_ROLE_DOC}`,
    );
  }
  if (!ROLE_ARN.test(roleArn)) {
    throw new SpotboxError(
      `spotbox.fisRoleArn is not an IAM role ARN: "${roleArn}".`,
      `Use the role's ARN as IAM shows it, e.g. arn:aws:iam::123456789012:role/SpotboxFisRole; see ${FIS_ROLE_DOC}`,
    );
  }
  if (!isAwsRegionName(request.region)) {
    throw new SpotboxError(`"${request.region}" is not an AWS region name.`, 'Pick the region the box runs in, e.g. us-east-1.');
  }
  if (!INSTANCE_ID.test(request.instanceId)) {
    throw new SpotboxError(`"${request.instanceId}" is not an EC2 instance id.`, 'Pick a box from the Spot Boxes view; its id looks like i-0123456789abcdef0.');
  }
  const min = request.allowShortLead ? SHORT_LEAD_MIN_SECONDS : FIS_LEAD_SECONDS.min;
  const lead = request.leadSeconds;
  if (!Number.isInteger(lead) || lead < min || lead > FIS_LEAD_SECONDS.max) {
    throw new SpotboxError(
      `The notice lead must be a whole number of seconds from ${min} to ${FIS_LEAD_SECONDS.max}, not ${String(lead)}.`,
      request.allowShortLead ? 'Pick a lead of at most 15 minutes.' : 'AWS FIS interrupts 2 to 15 minutes after the experiment starts; 120 s is what a real interruption gives.',
    );
  }
  return { region: request.region, instanceId: request.instanceId, roleArn, leadSeconds: lead, durationBeforeInterruption: isoDurationOf(lead) };
}

/** Whole minutes read as FIS's own examples (PT2M); anything else in seconds (PT90S), which FIS also takes. */
export function isoDurationOf(seconds: number): string {
  return seconds % 60 === 0 ? `PT${seconds / 60}M` : `PT${seconds}S`;
}
