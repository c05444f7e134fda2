import * as vscode from 'vscode';
import type { DashboardModel } from '../../core/dashboard/dashboardModel';
import type { Logger } from '../../core/logging/logger';
import type { Disposable } from '../../core/time/clock';
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
export class DashboardPanels implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private lastPosted: DashboardModel | undefined;

  constructor(private readonly deps: DashboardPanelDeps) {}

  /** The figures the open panel was last sent, for the integration test to compare with what it renders. */
  get currentModel(): DashboardModel | undefined {
    return this.panel ? this.lastPosted : undefined;
  }

  show(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const mediaRoot = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'dashboard');
    const scriptRoot = vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webviews');
    const panel = vscode.window.createWebviewPanel('spotbox.costDashboard', 'Spotbox: Cost Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [mediaRoot, scriptRoot],
    });
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'spotbox.svg');
    panel.webview.html = dashboardHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(scriptRoot, 'dashboard.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'dashboard.css')).toString(),
    });
    let ready = false;
    const subscriptions: Disposable[] = [
      panel.webview.onDidReceiveMessage((message: WebviewToExtension) => {
        if (message.type === 'ready') ready = true;
        this.onMessage(panel, message).catch((error: unknown) => this.deps.logger.error(error instanceof Error ? error : String(error)));
      }),
      // Until the script says it is ready a message would be lost; it asks for the model itself then.
      this.deps.onDidChange(() => {
        if (ready) void this.post(panel);
      }),
    ];
    panel.onDidDispose(() => {
      subscriptions.forEach((subscription) => subscription.dispose());
      this.panel = undefined;
    });
    this.panel = panel;
    return panel;
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

  dispose(): void {
    this.panel?.dispose();
  }
}
