import * as vscode from 'vscode';
import type { DashboardModel } from '../../core/dashboard/dashboardModel';
import type { Logger } from '../../core/logging/logger';
import type { Disposable } from '../../core/time/clock';
import { SingletonPanel, type PanelSession } from '../singletonPanel';
import { dashboardMessageOf } from '../webviewMessages';
import { dashboardHtml } from './dashboardHtml';
import type { AlertSettingView, ExtensionToWebview, WebviewToExtension } from './protocol';

export interface DashboardPanelDeps {
  readonly extensionUri: vscode.Uri;
  readonly logger: Logger;
  model(): DashboardModel;
  alert(): AlertSettingView;
  /** Fires when the ledger or the alert setting changed: an open panel redraws. */
  onDidChange(listener: () => void): Disposable;
  launchBox(): Promise<void>;
  openAlertSetting(): Promise<void>;
}

/** Owns the one dashboard panel: reveals it if open, otherwise creates it. */
export class DashboardPanels extends SingletonPanel<WebviewToExtension> {
  private lastPosted: DashboardModel | undefined;

  constructor(private readonly deps: DashboardPanelDeps) {
    super({
      extensionUri: deps.extensionUri,
      logger: deps.logger,
      viewType: 'spotbox.costDashboard',
      title: 'Spotbox: Cost Dashboard',
      page: 'dashboard',
      html: dashboardHtml,
    });
  }

  /** The figures the open panel was last sent, for the integration test to compare with what it renders. */
  get currentModel(): DashboardModel | undefined {
    return this.isOpen ? this.lastPosted : undefined;
  }

  protected override messageOf(raw: unknown): WebviewToExtension | undefined {
    return dashboardMessageOf(raw);
  }

  protected override open(panel: vscode.WebviewPanel): PanelSession<WebviewToExtension> {
    let ready = false;
    return {
      onMessage: (message) => {
        if (message.type === 'ready') ready = true;
        return this.onMessage(panel, message);
      },
      // Until the script says it is ready a message would be lost; it asks for the model itself then.
      subscriptions: [
        this.deps.onDidChange(() => {
          if (ready) void this.post(panel);
        }),
      ],
    };
  }

  private async onMessage(panel: vscode.WebviewPanel, message: WebviewToExtension): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.post(panel);
        return;
      case 'launchBox':
        await this.deps.launchBox();
        return;
      case 'openAlertSetting':
        await this.deps.openAlertSetting();
        return;
    }
  }

  private async post(panel: vscode.WebviewPanel): Promise<void> {
    const model = this.deps.model();
    const message: ExtensionToWebview = { type: 'model', model, alert: this.deps.alert() };
    if (await panel.webview.postMessage(message)) {
      this.lastPosted = model;
    }
  }
}
