import type { BoxStore } from './core/boxes/boxStore';
import type { CommandRunLog } from './commands/registerCommand';
import type { CalculatorFeature } from './webviews/calculator/registerCalculator';
import type { CostTickerState } from './statusBar/costTickerItem';
import type { DashboardFeature } from './webviews/dashboard/registerDashboard';
import type { LineageStore } from './core/recovery/lineageStore';
import type { NoticeBoard } from './core/recovery/noticeBoard';
import type { RecoveryFeature } from './recovery/registerRecovery';

/** What activate() returns: read-only views of the running extension, used by the integration tests. */
export interface SpotboxApi {
  readonly boxStore: BoxStore;
  costTicker(): CostTickerState;
  readonly calculator: CalculatorFeature;
  /** The cost dashboard and its usage ledger (recordInterruption / recordEpoch). */
  readonly dashboard: DashboardFeature;
  /** Interruption recoveries: the coordinator and lineage changes. */
  readonly recovery: RecoveryFeature;
  /** Interruption and rebalance notices read from the boxes' agents. */
  readonly notices: NoticeBoard;
  readonly lineages: LineageStore;
  /** This installation's owner id: tests that launch through the core tag it, so the sweep collects their leftovers. */
  readonly ownerId: string;
  /** Where this installation keeps the boxes' private keys: a lineage launched by another window of it uses the same. */
  readonly keyDirectory: string;
  /** How each run of a Spotbox command ended (ok, cancelled, failed with the message shown), the last 100. */
  readonly commandRuns: CommandRunLog;
  /** How long activate() took, in milliseconds. */
  readonly activationMs: number;
}
