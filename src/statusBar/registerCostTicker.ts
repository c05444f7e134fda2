import type * as vscode from 'vscode';
import type { Ec2ClientPool } from '../core/aws/ec2ClientPool';
import type { NoticeBoard } from '../core/recovery/noticeBoard';
import { BoxCostTracker } from '../core/billing/boxCostTracker';
import { PriceHistoryCache } from '../core/billing/priceHistoryCache';
import { Ec2SpotPriceHistory } from '../core/billing/priceHistorySource';
import type { BoxStore } from '../core/boxes/boxStore';
import type { PricingContext } from '../core/calculator/pricingContext';
import type { Logger } from '../core/logging/logger';
import type { Clock } from '../core/time/clock';
import type { SettingsReader } from '../config/settingsReader';
import { CostTickerItem, type CostTickerState } from './costTickerItem';

/** Costs are recomputed this often while a box is billable, and never while none is. */
const TICK_MS = 60_000;
/** A pool's history is re-read at most this often; spot prices change a few times a day at most. */
const HISTORY_TTL_MS = 5 * 60_000;
const HISTORY_RETRY_MS = 2 * 60_000;

export interface CostTickerFeature {
  /** Per-box costs billed from price history; the dashboard's usage ledger records them too. */
  readonly costs: BoxCostTracker;
  state(): CostTickerState;
}

export function registerCostTicker(
  context: vscode.ExtensionContext,
  deps: {
    boxStore: BoxStore;
    settings: SettingsReader;
    clock: Clock;
    logger: Logger;
    pricing: () => Promise<PricingContext>;
    /** The boxes feature's EC2 clients (they follow spotbox.awsProfile). */
    clients: () => Ec2ClientPool;
    notices?: NoticeBoard;
  },
): CostTickerFeature {
  const source = new Ec2SpotPriceHistory(deps.clients, { requestTimeoutMs: 10_000 });
  const history = new PriceHistoryCache(source, { clock: deps.clock, ttlMs: HISTORY_TTL_MS, retryMs: HISTORY_RETRY_MS, logger: deps.logger });
  const costs = new BoxCostTracker({
    store: deps.boxStore,
    history,
    ...(deps.notices ? { notices: deps.notices } : {}),
    // The catalog's on-demand price: no network call, and the same figure the estimate starts from.
    onDemandPrice: async (region, instanceType) => (await deps.pricing()).priceService.onDemandPrice('aws', region, instanceType)?.usdPerHour,
    clock: deps.clock,
    logger: deps.logger,
    tickMs: TICK_MS,
  });
  const item = new CostTickerItem(costs, deps.settings, deps.notices);
  context.subscriptions.push(
    deps.settings.onDidChange(({ keys }) => {
      if (keys.includes('awsProfile')) {
        history.reset(source);
        costs.recompute();
      }
    }),
    item,
    costs,
    history,
  );
  return { costs, state: () => item.state };
}
