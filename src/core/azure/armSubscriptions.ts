import type { ArmHttp } from './armHttp';
import { listAll } from './armPaging';
import type { Subscription } from './armTypes';

export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';

/** The subscriptions the credentials can see, for Choose Azure Subscription (and to prove a choice works). */
export function listSubscriptions(http: ArmHttp, signal?: AbortSignal): Promise<Subscription[]> {
  return listAll<Subscription>(http, { path: 'subscriptions', apiVersion: SUBSCRIPTIONS_API_VERSION }, signal);
}
