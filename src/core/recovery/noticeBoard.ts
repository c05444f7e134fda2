import { Emitter } from '../events';

export type NoticeKind = 'interruption' | 'rebalance';

export interface BoxNotice {
  readonly instanceId: string;
  readonly kind: NoticeKind;
  readonly receivedAt: number;
  /** When the cloud acts (interruption notices only). */
  readonly actionTime?: number;
  readonly action?: string;
}

/**
 * The interruption and rebalance notices read from the boxes' agents, for the tree badge, the
 * status bar colour and the notifications. An interruption outranks a rebalance recommendation.
 */
export class NoticeBoard {
  private readonly notices = new Map<string, BoxNotice>();
  private readonly changed = new Emitter<BoxNotice | undefined>();
  readonly onDidChange = this.changed.event;

  get all(): readonly BoxNotice[] {
    return [...this.notices.values()];
  }

  of(instanceId: string): BoxNotice | undefined {
    return this.notices.get(instanceId);
  }

  /** Returns true when this is news (a first notice, or an interruption after a rebalance). */
  post(notice: BoxNotice): boolean {
    const current = this.notices.get(notice.instanceId);
    if (current && (current.kind === 'interruption' || notice.kind === 'rebalance')) {
      return false;
    }
    this.notices.set(notice.instanceId, notice);
    this.changed.fire(notice);
    return true;
  }

  /**
   * Forgets a box's notice once its recovery is over: a Google Cloud group's VM is recreated under
   * the same name, and its next notice is news again.
   */
  clear(instanceId: string): void {
    if (this.notices.delete(instanceId)) {
      this.changed.fire(undefined);
    }
  }

  /** Forgets boxes that are gone. */
  retain(liveInstanceIds: ReadonlySet<string>): void {
    let removed = false;
    for (const instanceId of [...this.notices.keys()]) {
      if (!liveInstanceIds.has(instanceId)) {
        this.notices.delete(instanceId);
        removed = true;
      }
    }
    if (removed) {
      this.changed.fire(undefined);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** "1:45" until the action time; "now" once it has passed. */
export function countdownLabel(actionTime: number, now: number): string {
  const seconds = Math.ceil((actionTime - now) / 1000);
  if (seconds <= 0) {
    return 'now';
  }
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
