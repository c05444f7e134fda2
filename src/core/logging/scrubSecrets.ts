const REDACTED = '[redacted]';

// Order matters: whole private-key blocks go first so their base64 body is not half-matched later.
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, `-----PRIVATE KEY ${REDACTED}-----`],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, `$1${REDACTED}`],
  [/(aws_secret_access_key|secretAccessKey|aws_session_token|sessionToken)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, `$1$2${REDACTED}`],
  [/(X-Amz-Signature=|X-Amz-Security-Token=|X-Amz-Credential=|Signature=)[^&\s"']+/gi, `$1${REDACTED}`],
  // Headers, whether written as `name: value` or as JSON.
  [/(x-aws-ec2-metadata-token|x-amz-security-token|authorization)(["']?\s*[:=]\s*["']?)(?:(?:Bearer|Basic|token)\s+)?[^\s"',}]+/gi, `$1$2${REDACTED}`],
  // An IMDSv2 session token on its own (they start AQAEA), e.g. a PUT /latest/api/token answer.
  [/\bAQAEA[A-Za-z0-9+/=_-]{20,}/g, REDACTED],
  // GitHub and GitLab tokens, wherever they appear (URLs, config dumps, git's own errors).
  [/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}\b/g, `$1_${REDACTED}`],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}/g, `github_pat_${REDACTED}`],
  [/\bglpat-[A-Za-z0-9_-]{20,}/g, `glpat-${REDACTED}`],
  // Credentials in URLs: any user part of an http(s) URL (a token alone is often the user), the
  // password of any other scheme (ssh://git@host keeps its user, which is not a secret).
  [/\b(https?:\/\/)[^\s/@?#]+@/gi, `$1${REDACTED}@`],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/@:?#]+):[^\s/@?#]+@/gi, `$1:${REDACTED}@`],
  [/([?&](?:access_token|private_token|oauth_token|token|api_key|apikey|password)=)[^&\s"'#]+/gi, `$1${REDACTED}`],
];

/** Removes credentials, signatures, metadata tokens and private keys from text bound for a log. */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text);
}
