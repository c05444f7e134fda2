import { SpotboxError } from '../errors';

/** An object store's two calls a launch needs to hand a box its bootstrap files (Cloud Storage, Blob storage). */
export interface BootToolStore {
  put(key: string, content: Buffer, signal?: AbortSignal): Promise<void>;
  remove(key: string): Promise<void>;
}

/**
 * Puts the agent and the session tools where the box's bootstrap fetches them (it pins each by
 * sha256, bootTools.ts). Returns the undo for the launch's rollback: each object it wrote, and only
 * those. A refusal becomes `refused(error)`, which names the store and the permission it needs.
 */
export async function storeBootTools(store: BootToolStore, files: ReadonlyArray<{ readonly key: string; readonly content: Buffer }>, refused: (error: unknown) => SpotboxError, signal?: AbortSignal): Promise<() => Promise<void>> {
  const written: string[] = [];
  try {
    for (const file of files) {
      // Content-addressed keys: an object already there holds these very bytes.
      await store.put(file.key, file.content, signal);
      written.push(file.key);
    }
  } catch (error) {
    throw error instanceof SpotboxError ? error : refused(error);
  }
  return async () => {
    for (const key of written) await store.remove(key);
  };
}
