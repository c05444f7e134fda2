import * as vscode from 'vscode';
import type { BoxCostTracker, CostSnapshot } from '../../core/billing/boxCostTracker';
import { parsePriceAlertSetting, PriceAlertWatcher, type PriceAlert } from '../../core/dashboard/priceAlerts';
import { usd } from '../../core/dashboard/dashboardFormat';
import { Emitter } from '../../core/events';
import type { Logger } from '../../core/logging/logger';
import type { Disposable } from '../../core/time/clock';

export const PRICE_ALERT_SETTING = 'spotbox.priceAlertUsdPerHour';
const OPEN_DASHBOARD = 'Open Cost Dashboard';

/**
 * Warns once per box per crossing when a running spot box's price passes
 * `spotbox.priceAlertUsdPerHour`. It checks whenever the cost tracker recomputes, so it adds no
 * timer and asks EC2 for nothing the ticker does not already read.
 */
export class PriceAlertNotifier implements vscode.Disposable {
  private readonly watcher = new PriceAlertWatcher();
  private level: number | undefined;
  private readonly changed = new Emitter<void>();
  /** Fires when the alert level changes (the dashboard shows it). */
  readonly onDidChangeLevel = this.changed.event;
  /** Every alert raised in this session, newest last (for the integration test). */
  readonly raised: PriceAlert[] = [];
  private readonly subscriptions: Disposable[];

  constructor(
    private readonly costs: BoxCostTracker,
    private readonly logger: Logger,
  ) {
    this.level = this.readLevel();
    this.subscriptions = [
      costs.onDidChange((snapshot) => this.check(snapshot)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(PRICE_ALERT_SETTING)) {
          this.level = this.readLevel();
          this.changed.fire();
          this.check(this.costs.snapshot);
        }
      }),
    ];
    this.check(costs.snapshot);
  }

  get usdPerHour(): number | undefined {
    return this.level;
  }

  private readLevel(): number | undefined {
    const { usdPerHour, problem } = parsePriceAlertSetting(vscode.workspace.getConfiguration('spotbox').get<unknown>('priceAlertUsdPerHour'));
    if (problem) this.logger.warn(problem);
    return usdPerHour;
  }

  private check(snapshot: CostSnapshot): void {
    for (const alert of this.watcher.check(this.level, snapshot.costs)) {
      this.raised.push(alert);
      this.logger.info(`price alert: ${alert.boxName} (${alert.instanceId}) at ${alert.usdPerHour} USD/h, above ${alert.thresholdUsdPerHour}`);
      void vscode.window
        .showWarningMessage(
          `Spotbox: the spot price of ${alert.boxName} (${alert.instanceType} in ${alert.availabilityZone}) is now ${usd(alert.usdPerHour)}/h, above your alert level of ${usd(alert.thresholdUsdPerHour)}/h.`,
          OPEN_DASHBOARD,
        )
        .then((choice) => (choice === OPEN_DASHBOARD ? vscode.commands.executeCommand('spotbox.openCostDashboard') : undefined));
    }
  }

  dispose(): void {
    this.subscriptions.forEach((subscription) => subscription.dispose());
    this.changed.dispose();
  }
}
