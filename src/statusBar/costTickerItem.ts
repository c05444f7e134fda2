import * as vscode from 'vscode';
import type { CostBasis } from '../core/billing/boxCost';
import type { FirstHourWaiver } from '../core/billing/firstHourInterruption';
import type { BoxCostTracker, CostSnapshot } from '../core/billing/boxCostTracker';
import { costTooltipMarkdown } from '../core/billing/costTooltip';
import { costTickerText, type BilledCostSummary } from '../core/billing/costSummary';
import type { Disposable } from '../core/time/clock';
import type { SettingsReader } from '../config/settingsReader';
import type { NoticeBoard } from '../core/recovery/noticeBoard';

/** What the ticker shows, for the integration tests (exported through src/api.ts). */
export interface CostTickerState {
  readonly visible: boolean;
  readonly text: string;
  /** The tooltip's Markdown: totals, savings against on-demand, one row per box. */
  readonly tooltip: string;
  /** Epoch milliseconds the figures are for. */
  readonly asOf: number;
  readonly summary: BilledCostSummary;
  readonly boxes: ReadonlyArray<{ readonly instanceId: string; readonly name: string; readonly hourlyUsd?: number; readonly accruedUsd?: number; readonly savingsUsd?: number; readonly basis: CostBasis; readonly waiver?: FirstHourWaiver }>;
}

/**
 * The status-bar cost ticker: shown only while a box is billable and the setting allows it. It
 * holds no timer of its own; it redraws when the cost tracker recomputes (box changes, price reads,
 * and once a minute only while something is billable).
 */
export class CostTickerItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private shown = false;
  private tooltip = '';
  private readonly subscriptions: Disposable[] = [];

  constructor(
    private readonly costs: BoxCostTracker,
    private readonly settings: SettingsReader,
    private readonly notices?: NoticeBoard,
  ) {
    this.item = vscode.window.createStatusBarItem('spotbox.costTicker', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Spotbox Cost';
    this.item.command = { title: 'Show Spot Boxes', command: 'workbench.view.extension.spotbox' };
    this.subscriptions.push(
      costs.onDidChange((snapshot) => this.update(snapshot)),
      ...(notices ? [notices.onDidChange(() => this.update(this.costs.snapshot))] : []),
      settings.onDidChange(({ keys }) => {
        if (keys.includes('statusBar.costTicker')) {
          this.update(this.costs.snapshot);
        }
      }),
    );
    this.update(costs.snapshot);
  }

  get state(): CostTickerState {
    const snapshot = this.costs.snapshot;
    return {
      visible: this.shown,
      text: this.item.text,
      tooltip: this.tooltip,
      asOf: snapshot.at,
      summary: snapshot.summary,
      boxes: snapshot.costs.map((cost) => ({ instanceId: cost.box.instanceId, name: cost.box.name, hourlyUsd: cost.hourlyUsd, accruedUsd: cost.accruedUsd, savingsUsd: cost.savingsUsd, basis: cost.basis, ...(cost.waiver ? { waiver: cost.waiver } : {}) })),
    };
  }

  private update(snapshot: CostSnapshot): void {
    const { summary } = snapshot;
    this.shown = this.settings.settings.costTickerEnabled && summary.billableBoxes > 0;
    if (!this.shown) {
      this.item.hide();
      return;
    }
    const text = costTickerText(summary);
    // A box about to be reclaimed turns the ticker to the warning colour until it is gone.
    const interrupted = (this.notices?.all ?? []).filter((notice) => notice.kind === 'interruption').length;
    this.item.text = interrupted > 0 ? `$(warning) ${text}` : `$(pulse) ${text}`;
    this.item.backgroundColor = interrupted > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.tooltip = costTooltipMarkdown(snapshot);
    this.item.tooltip = new vscode.MarkdownString(this.tooltip);
    this.item.accessibilityInformation = { label: `Spotbox cost: ${text}${interrupted > 0 ? `; ${interrupted} box${interrupted === 1 ? '' : 'es'} about to be reclaimed` : ''}`, role: 'button' };
    this.item.show();
  }

  dispose(): void {
    this.subscriptions.forEach((subscription) => subscription.dispose());
    this.item.dispose();
  }
}
