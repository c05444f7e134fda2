const REDACTED = '[redacted]';

// Order matters: whole private-key blocks go first so their base64 body is not half-matched later.
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, `-----PRIVATE KEY ${REDACTED}-----`],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, `$1${REDACTED}`],
  [/(aws_secret_access_key|secretAccessKey|aws_session_token|sessionToken)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, `$1$2${REDACTED}`],
  [/(X-Amz-Signature=|X-Amz-Security-Token=|Signature=)[^&\s"]+/g, `$1${REDACTED}`],
  [/(x-aws-ec2-metadata-token:\s*)\S+/gi, `$1${REDACTED}`],
];

/** Removes credentials, signatures, metadata tokens and private keys from text bound for a log. */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text);
}
