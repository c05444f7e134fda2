import { SpotboxError } from '../errors';
import type { RecoveryPorts } from './recoveryCoordinatorPorts';

/** RecoveryPorts whose implementation is built on the first call (every port is async). */
export function lazyRecoveryPorts(load: () => Promise<RecoveryPorts>): RecoveryPorts {
  let loaded: Promise<RecoveryPorts> | undefined;
  const ports = (): Promise<RecoveryPorts> =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
  return {
    confirmNotice: async (...args) => (await ports()).confirmNotice(...args),
    claim: async (...args) => (await ports()).claim(...args),
    zones: async (...args) => (await ports()).zones(...args),
    launchReplacement: async (...args) => (await ports()).launchReplacement(...args),
    waitUntilRunning: async (...args) => (await ports()).waitUntilRunning(...args),
    emergencyCheckpoint: async (...args) => (await ports()).emergencyCheckpoint(...args),
    newestCheckpoint: async (...args) => (await ports()).newestCheckpoint(...args),
    restore: async (...args) => (await ports()).restore(...args),
    resume: async (...args) => (await ports()).resume(...args),
    releaseOld: async (...args) => (await ports()).releaseOld(...args),
    moveToOtherCloud: async (...args) => {
      const loaded = await ports();
      if (!loaded.moveToOtherCloud) {
        throw new SpotboxError('Moving a session to another cloud is not available in this window.', 'Sign in to the cloud it moves to (Spotbox: Choose GCP Project or Choose Azure Subscription), then retry the recovery from its timeline.');
      }
      return loaded.moveToOtherCloud(...args);
    },
  };
}
