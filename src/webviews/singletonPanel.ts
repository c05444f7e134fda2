import * as vscode from 'vscode';
import type { Logger } from '../core/logging/logger';
import type { Disposable } from '../core/time/clock';
import type { WebviewResources } from './webviewPage';

export interface SingletonPanelOptions {
  readonly extensionUri: vscode.Uri;
  readonly logger: Logger;
  readonly viewType: string;
  readonly title: string;
  /** Names the page's folder under media/ (holding `<page>.css`) and its bundle `dist/webviews/<page>.js`. */
  readonly page: string;
  html(resources: WebviewResources): string;
}

/** What one open panel does while it lives. */
export interface PanelSession<Message> {
  onMessage(message: Message): Promise<void>;
  /** Whatever else the panel listens to: disposed with it, so a closed panel is not redrawn. */
  readonly subscriptions?: readonly Disposable[];
}

/**
 * At most one panel of a kind: a second show() reveals the open one rather than stacking a copy
 * that would answer the same messages twice.
 */
export abstract class SingletonPanel<Message> implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(private readonly options: SingletonPanelOptions) {}

  /** Called once for each panel created, after its page is set and before any message can arrive. */
  protected abstract open(panel: vscode.WebviewPanel): PanelSession<Message>;

  /** The message if it has the protocol's shape, else undefined (it is then dropped). */
  protected abstract messageOf(raw: unknown): Message | undefined;

  protected get isOpen(): boolean {
    return this.panel !== undefined;
  }

  show(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const { extensionUri, page } = this.options;
    const pageRoot = vscode.Uri.joinPath(extensionUri, 'media', page);
    const sharedRoot = vscode.Uri.joinPath(extensionUri, 'media', 'shared');
    const scriptRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webviews');
    const panel = vscode.window.createWebviewPanel(this.options.viewType, this.options.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [pageRoot, sharedRoot, scriptRoot],
    });
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'spotbox.svg');
    const webviewUri = (file: vscode.Uri): string => panel.webview.asWebviewUri(file).toString();
    panel.webview.html = this.options.html({
      cspSource: panel.webview.cspSource,
      scriptUri: webviewUri(vscode.Uri.joinPath(scriptRoot, `${page}.js`)),
      // The page's own sheet last, so its rules win a tie with the shared ones.
      styleUris: [webviewUri(vscode.Uri.joinPath(sharedRoot, 'base.css')), webviewUri(vscode.Uri.joinPath(pageRoot, `${page}.css`))],
    });
    const session = this.open(panel);
    const subscriptions: Disposable[] = [
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const message = this.messageOf(raw);
        if (message === undefined) {
          this.options.logger.warn(`${this.options.viewType}: dropped a message that is not in its protocol`);
          return;
        }
        session.onMessage(message).catch((error: unknown) => this.options.logger.error(error instanceof Error ? error : String(error)));
      }),
      ...(session.subscriptions ?? []),
    ];
    panel.onDidDispose(() => {
      subscriptions.forEach((subscription) => subscription.dispose());
      this.panel = undefined;
    });
    this.panel = panel;
    return panel;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
