import type { CloudRecoveryDeps } from './cloudRecoveryPorts';

/** The caller's /32 now; the lineage's recorded one when it cannot be read (nobody is there to ask). */
export async function currentCallerCidr(deps: Pick<CloudRecoveryDeps, 'callerCidr' | 'logger'>, recorded: string): Promise<string> {
  if (!deps.callerCidr) {
    return recorded;
  }
  try {
    return await deps.callerCidr();
  } catch (error) {
    deps.logger.warn(`could not read this machine's public IP for the replacement (${error instanceof Error ? error.message : String(error)}); SSH stays open to ${recorded} as recorded`);
    return recorded;
  }
}
