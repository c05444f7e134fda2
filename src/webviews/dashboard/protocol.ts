/**
 * The cost dashboard's message protocol, shared by the extension (dashboardPanel.ts) and the
 * webview script (media/dashboard/main.ts). Plain data only: no vscode import.
 */
import type { DashboardModel } from '../../core/dashboard/dashboardModel';

export type { DashboardModel, BoxSavingsRow, CloudUsageRow } from '../../core/dashboard/dashboardModel';
export type { InterruptionRow } from '../../core/dashboard/interruptionStats';
export type { EpochCostRow } from '../../core/dashboard/epochCosts';

/** The price alert as set in `spotbox.priceAlertUsdPerHour`; no level means the alert is off. */
export interface AlertSettingView {
  readonly usdPerHour?: number;
}

export type WebviewToExtension = { readonly type: 'ready' } | { readonly type: 'launchBox' } | { readonly type: 'openAlertSetting' };

export type ExtensionToWebview = { readonly type: 'model'; readonly model: DashboardModel; readonly alert: AlertSettingView };
