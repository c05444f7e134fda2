import * as vscode from 'vscode';
import type { BoxStore } from '../core/boxes/boxStore';
import { costTickerText, formatUsd, summarizeCost } from '../core/pricing/costSummary';
import type { Clock, Disposable } from '../core/time/clock';
import type { SettingsReader } from '../config/settingsReader';

const REFRESH_MS = 30_000;

export interface CostTickerState {
  readonly visible: boolean;
  readonly text: string;
}

/**
 * The status-bar cost ticker: shown only while a box is billable and the setting allows it; ticks
 * only while shown, so an idle editor runs no timer.
 */
export class CostTickerItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private ticker: Disposable | undefined;
  private readonly subscriptions: Disposable[] = [];

  constructor(
    private readonly store: BoxStore,
    private readonly settings: SettingsReader,
    private readonly clock: Clock,
  ) {
    this.item = vscode.window.createStatusBarItem('spotbox.costTicker', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Spotbox Cost';
    this.item.command = { title: 'Show Spot Boxes', command: 'workbench.view.extension.spotbox' };
    this.subscriptions.push(
      store.onDidChange(() => this.update()),
      settings.onDidChange(({ keys }) => {
        if (keys.includes('statusBar.costTicker')) {
          this.update();
        }
      }),
    );
    this.update();
  }

  get state(): CostTickerState {
    return { visible: this.ticker !== undefined, text: this.item.text };
  }

  private update(): void {
    const summary = summarizeCost(this.store.boxes, this.clock.now());
    const shouldShow = this.settings.settings.costTickerEnabled && summary.billableBoxes > 0;
    if (!shouldShow) {
      this.ticker?.dispose();
      this.ticker = undefined;
      this.item.hide();
      return;
    }
    const text = costTickerText(summary);
    this.item.text = `$(pulse) ${text}`;
    this.item.tooltip = `Spotbox: ${summary.billableBoxes} billable spot box(es), ${formatUsd(summary.hourlyUsd)} per hour, ${formatUsd(summary.accruedUsd)} so far. Click to show them.`;
    this.item.accessibilityInformation = { label: `Spotbox cost: ${text}`, role: 'button' };
    this.ticker ??= this.clock.setInterval(() => this.update(), REFRESH_MS);
    this.item.show();
  }

  dispose(): void {
    this.ticker?.dispose();
    this.subscriptions.forEach((subscription) => subscription.dispose());
    this.item.dispose();
  }
}
