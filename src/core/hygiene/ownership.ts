import { randomBytes } from 'node:crypto';
import { TAGS } from '../aws/spotboxTags';

/**
 * Whose a tagged resource is, as far as this installation of Spotbox can tell:
 * - mine: `spotbox:managed=true` and `spotbox:owner` is this installation's owner id;
 * - other: managed by a Spotbox, but another installation's (a colleague in the same account, the
 *   same user's other machine) or an older Spotbox's, which tagged the OS user name;
 * - unmanaged: no `spotbox:managed=true`: someone else's tag that merely looks like ours.
 */
export type Ownership = 'mine' | 'other' | 'unmanaged';

export function ownershipOf(tags: Readonly<Record<string, string>>, ownerId: string): Ownership {
  if (tags[TAGS.managed] !== 'true') return 'unmanaged';
  return tags[TAGS.owner] === ownerId ? 'mine' : 'other';
}

/** 16 hex digits: random, so no other installation (or user of the same name) can share it by chance. */
const OWNER_ID_PATTERN = /^[0-9a-f]{16}$/;

/** An owner tag older Spotbox versions wrote (the OS user name) rather than an installation's random id. */
export function isLegacyOwnerTag(owner: string | undefined): boolean {
  return owner !== undefined && !OWNER_ID_PATTERN.test(owner);
}

export function newOwnerId(): string {
  return randomBytes(8).toString('hex');
}

/** The part of VS Code's Memento (context.globalState) the owner id needs; a Map-backed fake in tests. */
export interface OwnerIdStore {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
}

export const OWNER_ID_KEY = 'spotbox.ownerId';

/**
 * This installation's owner id: read from the store, or created once and kept there. Every launch
 * tags it and the sweep and release act only on resources carrying it. A stored value that is not
 * an id (hand-edited state) is replaced rather than trusted to mean "mine". Synchronous, because
 * activation is: a Memento returns a value it was just given at once, while saving it to disk goes
 * on in the background (a failure there only means a new id, hence new "other owner" items, next time).
 */
export function ownerIdFrom(store: OwnerIdStore, onSaveError: (error: unknown) => void): string {
  const stored = store.get(OWNER_ID_KEY);
  if (typeof stored === 'string' && OWNER_ID_PATTERN.test(stored)) return stored;
  const created = newOwnerId();
  Promise.resolve(store.update(OWNER_ID_KEY, created)).catch(onSaveError);
  return created;
}
