import * as vscode from 'vscode';
import type { Box, BoxState } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import { formatUsd } from '../core/pricing/costSummary';

function stateIcon(state: BoxState): vscode.ThemeIcon {
  switch (state) {
    case 'pending':
      return new vscode.ThemeIcon('loading~spin');
    case 'running':
      return new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed'));
    case 'interrupting':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    case 'stopping':
      return new vscode.ThemeIcon('debug-stop');
    case 'stopped':
      return new vscode.ThemeIcon('vm-outline');
    case 'terminated':
      return new vscode.ThemeIcon('circle-slash');
  }
}

/** Maps the box model to tree items; node identity is the instance id so selection survives refreshes. */
export class BoxesTreeProvider implements vscode.TreeDataProvider<Box>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: BoxStore) {
    this.subscription = store.onDidChange(() => this.changed.fire());
  }

  getChildren(element?: Box): Box[] {
    return element ? [] : [...this.store.boxes];
  }

  getTreeItem(box: Box): vscode.TreeItem {
    const item = new vscode.TreeItem(box.name, vscode.TreeItemCollapsibleState.None);
    item.id = box.instanceId;
    const price = box.hourlyPriceUsd === undefined ? '' : ` · ${formatUsd(box.hourlyPriceUsd)}/h`;
    item.description = `${box.instanceType} · ${box.state}${price}`;
    item.iconPath = stateIcon(box.state);
    item.contextValue = `spotbox.box.${box.state}`;
    item.tooltip = new vscode.MarkdownString(
      [
        `**${box.name}** (\`${box.instanceId}\`)`,
        `${box.instanceType}, ${box.lifecycle}, ${box.availabilityZone}`,
        `State: ${box.state}${box.publicIp ? ` · ${box.publicIp}` : ''}`,
      ].join('\n\n'),
    );
    item.accessibilityInformation = { label: `${box.name}, ${box.instanceType}, ${box.state}${price}` };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
