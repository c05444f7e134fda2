import * as vscode from 'vscode';
import type { Box, BoxState } from '../core/boxes/box';
import { CLOUD_FACTS, CLOUDS, type CloudId } from '../core/cloud/clouds';
import type { BoxStore } from '../core/boxes/boxStore';
import { formatUsd, groupCostText, summarizeCost } from '../core/billing/costSummary';
import type { Clock } from '../core/time/clock';
import type { ActivePortForward, PortForwardRegistry } from '../core/attach/portForwardRegistry';
import { countdownLabel, type BoxNotice, type NoticeBoard } from '../core/recovery/noticeBoard';
import type { CheckpointFitBoard } from '../core/throughput/checkpointFitBoard';
import { NOTICE_FIT_ADVICE, noticeFitSummary } from '../core/throughput/noticeFitText';
import { escapeMarkdown } from './markdownEscape';

export type BoxTreeNode =
  | { readonly kind: 'cloud'; readonly cloud: CloudId }
  | { readonly kind: 'region'; readonly cloud: CloudId; readonly region: string }
  | { readonly kind: 'box'; readonly box: Box }
  | { readonly kind: 'forward'; readonly forward: ActivePortForward };

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

function uptime(box: Box, now: number): string {
  if (box.launchTime === undefined) {
    return '';
  }
  const minutes = Math.max(0, Math.floor((now - box.launchTime) / 60_000));
  return minutes < 60 ? `${minutes}m` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/**
 * Clouds, then regions, then boxes. Maps the box model to tree items only; node ids are the region name and the
 * instance id, so expansion and selection survive refreshes.
 */
export class BoxesTreeProvider implements vscode.TreeDataProvider<BoxTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: Array<{ dispose(): void }>;
  private countdown: { dispose(): void } | undefined;

  constructor(
    private readonly store: BoxStore,
    private readonly clock: Clock,
    private readonly forwards?: PortForwardRegistry,
    private readonly notices?: NoticeBoard,
    private readonly checkpointFits?: CheckpointFitBoard,
  ) {
    this.subscriptions = [
      store.onDidChange(() => this.changed.fire()),
      ...(checkpointFits ? [checkpointFits.onDidChange(() => this.changed.fire())] : []),
      ...(forwards ? [forwards.onDidChange(() => this.changed.fire())] : []),
      ...(notices ? [notices.onDidChange(() => this.onNoticesChanged())] : []),
    ];
  }

  /** The countdown badge ticks once a second, and only while some box has an interruption pending. */
  private onNoticesChanged(): void {
    this.changed.fire();
    const ticking = (this.notices?.all ?? []).some((notice) => notice.kind === 'interruption' && (notice.actionTime ?? 0) > this.clock.now());
    if (ticking && !this.countdown) {
      this.countdown = this.clock.setInterval(() => {
        this.changed.fire();
        if (!(this.notices?.all ?? []).some((notice) => notice.kind === 'interruption' && (notice.actionTime ?? 0) > this.clock.now())) {
          this.countdown?.dispose();
          this.countdown = undefined;
        }
      }, 1_000);
    }
  }

  private noticeBadge(notice: BoxNotice | undefined, now: number): string {
    if (!notice) {
      return '';
    }
    if (notice.kind === 'rebalance') {
      return '⚠ rebalance advised · ';
    }
    // The countdown first: a narrow sidebar cuts the description short, and the time left is what matters.
    return notice.actionTime !== undefined ? `⚠ ${countdownLabel(notice.actionTime, now)} left · ` : '⚠ interruption notice · ';
  }

  getChildren(element?: BoxTreeNode): BoxTreeNode[] {
    if (!element) {
      // In CLOUDS order (AWS first), not by label: the order does not jump as boxes come and go.
      return CLOUDS.filter((cloud) => this.store.boxes.some((box) => box.cloud === cloud)).map((cloud) => ({ kind: 'cloud', cloud }));
    }
    if (element.kind === 'cloud') {
      const regions = [...new Set(this.boxesIn(element.cloud).map((box) => box.region))].sort();
      return regions.map((region) => ({ kind: 'region', cloud: element.cloud, region }));
    }
    if (element.kind === 'region') {
      return this.boxesIn(element.cloud, element.region).map((box) => ({ kind: 'box', box }));
    }
    if (element.kind === 'box') {
      return this.forwardsOf(element.box).map((forward) => ({ kind: 'forward', forward }));
    }
    return [];
  }

  getTreeItem(node: BoxTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'cloud':
        return this.cloudItem(node.cloud);
      case 'region':
        return this.regionItem(node.cloud, node.region);
      case 'box':
        return this.boxItem(node.box);
      case 'forward':
        return this.forwardItem(node.forward);
    }
  }

  private forwardsOf(box: Box): readonly ActivePortForward[] {
    return (this.forwards?.active ?? []).filter((forward) => forward.instanceId === box.instanceId);
  }

  private forwardItem(forward: ActivePortForward): vscode.TreeItem {
    const item = new vscode.TreeItem(forward.url, vscode.TreeItemCollapsibleState.None);
    item.id = `forward:${forward.instanceId}:${forward.remotePort}`;
    item.description = `→ port ${forward.remotePort} on the box`;
    item.iconPath = new vscode.ThemeIcon('plug');
    item.contextValue = 'spotbox.forward';
    item.tooltip = `Forwarded over SSH: ${forward.url} reaches port ${forward.remotePort} on ${forward.boxName}. Closed when the box goes.`;
    item.command = { command: 'vscode.open', title: 'Open in Browser', arguments: [vscode.Uri.parse(forward.url)] };
    return item;
  }

  private boxesIn(cloud: CloudId, region?: string): Box[] {
    return this.store.boxes.filter((box) => box.cloud === cloud && (region === undefined || box.region === region));
  }

  /** How many boxes and what they cost per hour together, for a group's description. */
  private groupDescription(boxes: readonly Box[]): string {
    return groupCostText(boxes.length, summarizeCost(boxes, this.clock.now()));
  }

  private cloudItem(cloud: CloudId): vscode.TreeItem {
    const item = new vscode.TreeItem(CLOUD_FACTS[cloud].label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `cloud:${cloud}`;
    item.iconPath = new vscode.ThemeIcon('cloud');
    item.description = this.groupDescription(this.boxesIn(cloud));
    item.contextValue = `spotbox.cloud.${cloud}`;
    return item;
  }

  private regionItem(cloud: CloudId, region: string): vscode.TreeItem {
    const item = new vscode.TreeItem(region, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `region:${cloud}:${region}`;
    item.iconPath = new vscode.ThemeIcon('globe');
    item.description = this.groupDescription(this.boxesIn(cloud, region));
    item.contextValue = 'spotbox.region';
    return item;
  }

  private boxItem(box: Box): vscode.TreeItem {
    const now = this.clock.now();
    const forwarded = this.forwardsOf(box).length > 0;
    const item = new vscode.TreeItem(box.name, forwarded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    // VS Code keeps an element's first collapsible state by id: a leaf that gains forwards needs a
    // new id to be shown expanded, with its forwards visible.
    item.id = forwarded ? `${box.instanceId}#forwards` : box.instanceId;
    const price = box.hourlyPriceUsd === undefined ? '' : ` · ${formatUsd(box.hourlyPriceUsd)}/h`;
    const up = uptime(box, now);
    // Price before state: a narrow sidebar cuts the end of the line, and the price matters more.
    const notice = this.notices?.of(box.instanceId);
    // Said before a notice comes: a checkpoint the notice cannot carry is lost when one does.
    const fit = this.checkpointFits?.fitOf(box.instanceId);
    const tooBig = fit !== undefined && !fit.fits;
    item.description = `${this.noticeBadge(notice, now)}${tooBig ? '⚠ checkpoint too big for the notice · ' : ''}${box.instanceType}${price} · ${box.state}${up ? ` · up ${up}` : ''}`;
    item.iconPath = notice
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor(notice.kind === 'interruption' ? 'list.errorForeground' : 'list.warningForeground'))
      : tooBig
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
        : stateIcon(box.state);
    item.contextValue = `spotbox.box.${box.state}`;
    const accrued = summarizeCost([box], now).accruedUsd;
    item.tooltip = new vscode.MarkdownString(
      [
        `**${escapeMarkdown(box.name)}** (${escapeMarkdown(box.instanceId)})`,
        escapeMarkdown(`${CLOUD_FACTS[box.cloud].label} · ${box.instanceType}, ${box.lifecycle}, ${box.availabilityZone}`),
        `State: ${box.state}${box.publicIp ? ` · ${box.publicIp}` : ''}`,
        box.hourlyPriceUsd === undefined ? 'Price: unknown' : `Price: ${formatUsd(box.hourlyPriceUsd)}/h · so far ${formatUsd(accrued)}${up ? ` over ${up}` : ''}`,
        ...(fit ? [noticeFitSummary(fit)] : []),
        ...(tooBig ? [`$(warning) A spot notice would lose the work since the last complete checkpoint. ${NOTICE_FIT_ADVICE}`] : []),
      ].join('\n\n'),
    );
    item.tooltip.supportThemeIcons = true;
    item.accessibilityInformation = { label: `${box.name}, ${box.instanceType} in ${box.availabilityZone} on ${CLOUD_FACTS[box.cloud].label}, ${box.state}${price}${tooBig ? ', checkpoint too big for the notice' : ''}` };
    return item;
  }

  dispose(): void {
    this.countdown?.dispose();
    this.subscriptions.forEach((subscription) => subscription.dispose());
    this.changed.dispose();
  }
}
