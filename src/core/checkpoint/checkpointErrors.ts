import { toUserError } from '../aws/awsErrors';
import { SpotboxError } from '../errors';

export interface CheckpointErrorContext {
  readonly action: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
}

/** S3's own failures in words a user can act on; the rest as every AWS error (toUserError). */
export function toCheckpointError(error: unknown, context: CheckpointErrorContext): SpotboxError {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  const where = `s3://${context.bucket}/${context.prefix}`;
  if (name === 'NoSuchBucket') {
    return new SpotboxError(`${context.action}: the bucket ${context.bucket} does not exist.`, 'Create it, or fix checkpoint.bucket in .spotbox/profile.json.', { cause: error });
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || name === 'AllAccessDisabled') {
    return new SpotboxError(`${context.action}: AWS denied access to ${where} (${name}).`, 'Grant the profile s3:ListBucket on the bucket and s3:GetObject on the prefix.', { cause: error });
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || name === 'IllegalLocationConstraintException') {
    return new SpotboxError(`${context.action}: the bucket ${context.bucket} is not in ${context.region} (${name}).`, "Use the bucket's own region for checkpoints.", { cause: error });
  }
  return toUserError(error, { action: `${context.action} (${where})`, region: context.region });
}
