import { parseProfile } from '../parseProfile';

// A profile the parser accepts; one field at a time is replaced by what the user typed.
const VALID_BASE = { name: 'box', regions: ['us-east-1'], gpu: 'T4', gpus: 1, maxPrice: 1 };
const VALID_CHECKPOINT = { bucket: 'bucket', prefix: 'spotbox/' };

/**
 * The parser's own complaint about one field's value, so the wizard refuses exactly what the
 * profile file would (same patterns, same words) without a second copy of the rules.
 */
export function profileFieldProblem(field: 'name' | 'sshUser' | 'workspaceDir' | 'image' | 'checkpoint.bucket' | 'checkpoint.directory' | 'session.command', value: string): string | undefined {
  const candidate: Record<string, unknown> = { ...VALID_BASE };
  if (field === 'checkpoint.bucket') candidate.checkpoint = { ...VALID_CHECKPOINT, bucket: value };
  else if (field === 'checkpoint.directory') candidate.checkpoint = { ...VALID_CHECKPOINT, directory: value };
  else if (field === 'session.command') candidate.session = { command: value };
  else candidate[field] = value;
  const { problems } = parseProfile(JSON.stringify(candidate), '.spotbox/profile.json');
  return problems.find((problem) => problem.path.join('.') === field)?.message ?? problems[0]?.message;
}

export function amiIdProblem(value: string): string | undefined {
  return value.trim() === '' ? 'Enter an AMI id such as ami-0123456789abcdef0, or go back and pick an image alias.' : profileFieldProblem('image', value.trim());
}

/** Empty is fine: the bucket is optional. */
export function bucketProblem(value: string): string | undefined {
  return value.trim() === '' ? undefined : profileFieldProblem('checkpoint.bucket', value.trim());
}
