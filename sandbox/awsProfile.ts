import * as fs from 'node:fs';
import * as path from 'node:path';

export const SANDBOX_PROFILE = 'spotbox-sandbox';
/** s3rver accepts only this key pair; EC2 in the sandbox accepts any well-formed signature. */
export const SANDBOX_ACCESS_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface SandboxProfileFiles {
  readonly configFile: string;
  readonly credentialsFile: string;
}

/**
 * Writes an AWS config profile pointing EC2, S3, the Price List API and FIS at the sandbox, in the standard shared-config
 * format (a `services` section with per-service endpoint_url), so any SDK or the CLI can use it
 * with nothing but AWS_CONFIG_FILE and AWS_PROFILE.
 */
export function writeSandboxProfile(directory: string, endpoints: { ec2: string; s3: string; pricing: string; fis?: string }, region = 'us-east-1'): SandboxProfileFiles {
  fs.mkdirSync(directory, { recursive: true });
  const configFile = path.join(directory, 'aws-config');
  const credentialsFile = path.join(directory, 'aws-credentials');
  const services = `${SANDBOX_PROFILE}-services`;
  fs.writeFileSync(
    configFile,
    [
      `# Written by the Spotbox sandbox; dummy keys for a local emulator, not AWS credentials.`,
      `[profile ${SANDBOX_PROFILE}]`,
      `region = ${region}`,
      `aws_access_key_id = ${SANDBOX_ACCESS_KEY.accessKeyId}`,
      `aws_secret_access_key = ${SANDBOX_ACCESS_KEY.secretAccessKey}`,
      `services = ${services}`,
      // s3rver does not understand the SDK's default aws-chunked CRC32 trailers.
      `request_checksum_calculation = when_required`,
      `response_checksum_validation = when_required`,
      ``,
      `[services ${services}]`,
      `ec2 =`,
      `  endpoint_url = ${endpoints.ec2}`,
      `s3 =`,
      `  endpoint_url = ${endpoints.s3}`,
      // Price List API: Spotbox calls it in us-east-1 (where it lives) and takes the endpoint from here.
      `pricing =`,
      `  endpoint_url = ${endpoints.pricing}`,
      // Fault Injection Service, for rehearsing interruptions the way AWS sends them.
      ...(endpoints.fis ? [`fis =`, `  endpoint_url = ${endpoints.fis}`] : []),
      ``,
    ].join('\n'),
  );
  fs.writeFileSync(credentialsFile, `# Empty on purpose: the sandbox profile carries its dummy keys in ${path.basename(configFile)}.\n`);
  return { configFile, credentialsFile };
}

/** Environment that points an AWS SDK (and Spotbox) at the sandbox profile. */
export function sandboxProfileEnvironment(files: SandboxProfileFiles): Record<string, string> {
  return { AWS_CONFIG_FILE: files.configFile, AWS_SHARED_CREDENTIALS_FILE: files.credentialsFile, AWS_PROFILE: SANDBOX_PROFILE, AWS_SDK_LOAD_CONFIG: '1' };
}
