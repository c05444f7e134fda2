import * as vscode from 'vscode';
import type { BoxCostTracker } from '../../core/billing/boxCostTracker';
import { buildDashboardModel, type DashboardModel } from '../../core/dashboard/dashboardModel';
import { USAGE_LEDGER_FILE } from '../../core/dashboard/ledgerFile';
import { UsageLedger } from '../../core/dashboard/usageLedger';
import type { UsageEventRecorder } from '../../core/dashboard/usageTypes';
import type { Logger } from '../../core/logging/logger';
import type { Clock } from '../../core/time/clock';
import { DashboardPanels } from './dashboardPanel';
import { PRICE_ALERT_SETTING, PriceAlertNotifier } from './priceAlertNotifier';

export interface DashboardFeature {
  /** Where the recovery feature reports interruptions and finished epochs. */
  readonly usage: UsageEventRecorder;
  readonly ledger: UsageLedger;
  readonly panels: DashboardPanels;
  readonly alerts: PriceAlertNotifier;
  /** The dashboard's figures now, from the ledger. */
  model(): DashboardModel;
}

/**
 * The cost dashboard: a usage ledger fed by the cost tracker (so sessions are recorded whether or
 * not the panel is open), the price alert, and the panel that Open Cost Dashboard shows.
 */
export function registerDashboard(context: vscode.ExtensionContext, deps: { logger: Logger; costs: BoxCostTracker; clock: Clock }): DashboardFeature {
  const logger = deps.logger.child('dashboard');
  const ledger = new UsageLedger({ filePath: vscode.Uri.joinPath(context.globalStorageUri, USAGE_LEDGER_FILE).fsPath, logger, clock: deps.clock });
  void ledger.load();
  ledger.observe(deps.costs.snapshot);
  const alerts = new PriceAlertNotifier(deps.costs, logger.child('alert'));
  const model = (): DashboardModel => buildDashboardModel(ledger.sessions, deps.clock.now());
  const panels = new DashboardPanels({
    extensionUri: context.extensionUri,
    logger,
    model,
    alert: () => ({ usdPerHour: alerts.usdPerHour }),
    onDidChange: (listener) => {
      const subscriptions = [ledger.onDidChange(listener), alerts.onDidChangeLevel(listener)];
      return { dispose: () => subscriptions.forEach((subscription) => subscription.dispose()) };
    },
    launchBox: async () => {
      await vscode.commands.executeCommand('spotbox.launchBox');
    },
    openAlertSetting: async () => {
      await vscode.commands.executeCommand('workbench.action.openSettings', PRICE_ALERT_SETTING);
    },
  });
  context.subscriptions.push(deps.costs.onDidChange((snapshot) => ledger.observe(snapshot)), ledger, alerts, panels);
  return { usage: ledger, ledger, panels, alerts, model };
}
