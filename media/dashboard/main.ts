// The cost dashboard's front end. Runs in the webview's browser context: no vscode or Node
// imports; talks to the extension only through the typed protocol.
import { hours, notChargedText, percent, usd, usdFine } from '../../src/core/dashboard/dashboardFormat';
import type { AlertSettingView, BoxSavingsRow, CloudUsageRow, DashboardModel, EpochCostRow, ExtensionToWebview, InterruptionRow, WebviewToExtension } from '../../src/webviews/dashboard/protocol';
import { renderBarChart } from './barChart';

interface VsCodeApi {
  postMessage(message: WebviewToExtension): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let lastModel: DashboardModel | undefined;

function element<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function setText(id: string, text: string): void {
  element(id).textContent = text;
}

/** Cells are text, never HTML: box names come from instance tags. */
function tableRow(cells: readonly string[], numericFrom: number, className?: string): HTMLTableRowElement {
  const tr = document.createElement('tr');
  if (className) tr.className = className;
  cells.forEach((text, index) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (index >= numericFrom) td.className = 'number';
    tr.append(td);
  });
  return tr;
}

function renderBoxes(rows: readonly BoxSavingsRow[]): void {
  element('boxes-body').replaceChildren(
    ...rows.map((row) => {
      const tr = tableRow(
        [
          row.boxName,
          row.instanceTypes.join(', '),
          row.regions.join(', '),
          String(row.sessions),
          hours(row.hours),
          usd(row.spotUsd),
          usd(row.onDemandUsd),
          usd(row.savingsUsd),
          percent(row.savingsPercent),
          String(row.interruptions),
          row.running ? 'running' : 'ended',
        ],
        3,
        row.running ? 'running' : undefined,
      );
      // Why its spot cost is lower than its hours say (EC2 reclaimed a session in its first hour).
      if (row.notChargedReason) tr.title = row.notChargedReason;
      return tr;
    }),
  );
}

function renderClouds(rows: readonly CloudUsageRow[]): void {
  const count = (value: number | undefined): string => (value === undefined ? '–' : String(value));
  element('clouds-body').replaceChildren(
    ...rows.map(({ label, totals, interruptions, epochs }) => {
      const tr = tableRow(
        [
          label,
          String(totals.sessions),
          hours(totals.boxHours),
          usd(totals.spotUsd),
          usd(totals.onDemandUsd),
          usd(totals.savingsUsd),
          percent(totals.savingsPercent),
          count(interruptions?.notice),
          count(interruptions?.rebalance),
          count(interruptions?.hard),
          interruptions?.per100Hours === undefined ? '–' : interruptions.per100Hours.toFixed(2),
          epochs ? usdFine(epochs.spotPerEpochUsd) : '–',
        ],
        1,
      );
      if (epochs) (tr.lastElementChild as HTMLElement).title = `${epochs.epochs} epoch${epochs.epochs === 1 ? '' : 's'} for ${usd(epochs.spotUsd)} of spot`;
      return tr;
    }),
  );
}

function renderInterruptionTable(bodyId: string, rows: readonly InterruptionRow[]): void {
  element(bodyId).replaceChildren(
    ...rows.map((row) =>
      tableRow([row.key, String(row.notice), String(row.rebalance), String(row.hard), String(row.total), hours(row.spotHours), row.per100Hours === undefined ? '–' : row.per100Hours.toFixed(2)], 1),
    ),
  );
}

function renderInterruptionChart(containerId: string, rows: readonly InterruptionRow[], xTitle: string): void {
  // AWS's notice is two minutes; Google Cloud's and Azure's are 30 seconds.
  const onlyAws = lastModel?.byCloud.every((row) => row.cloud === 'aws') ?? true;
  renderBarChart(element(containerId), {
    categories: rows.map((row) => row.key),
    series: [
      { label: onlyAws ? '2-minute notice' : 'Notice', values: rows.map((row) => row.notice), className: 'notice' },
      { label: 'Rebalance', values: rows.map((row) => row.rebalance), className: 'rebalance' },
      { label: 'Hard (no notice)', values: rows.map((row) => row.hard), className: 'hard' },
    ],
    xTitle,
    yTitle: 'Interruptions',
  });
}

function renderEpochs(rows: readonly EpochCostRow[], model: DashboardModel): void {
  const hasEpochs = rows.length > 0;
  element('epochs-empty').hidden = hasEpochs;
  element('epochs-table').hidden = !hasEpochs;
  element('epochs-body').replaceChildren(
    ...rows.map((row) => tableRow([row.boxName, String(row.epochs), usd(row.spotUsd), usdFine(row.spotPerEpochUsd), row.onDemandPerEpochUsd === undefined ? '–' : usdFine(row.onDemandPerEpochUsd)], 1)),
  );
  const totals = model.epochTotals;
  element('epochs-total').replaceChildren(
    ...(totals && rows.length > 1
      ? [tableRow(['All boxes', String(totals.epochs), usd(totals.spotUsd), usdFine(totals.spotPerEpochUsd), totals.onDemandPerEpochUsd === undefined ? '–' : usdFine(totals.onDemandPerEpochUsd)], 1, 'total')]
      : []),
  );
}

function renderAlert(alert: AlertSettingView): void {
  setText(
    'alert-status',
    alert.usdPerHour === undefined
      ? 'Off. Set spotbox.priceAlertUsdPerHour to be warned, once per box, when a running box’s spot price rises above it.'
      : `On: a warning when a running box’s spot price rises above ${usdFine(alert.usdPerHour)}/h, once per box each time it crosses.`,
  );
}

function render(model: DashboardModel, alert: AlertSettingView): void {
  renderAlert(alert);
  element('empty').hidden = !model.empty;
  element('content').hidden = model.empty;
  if (model.empty) {
    setText('status', 'No usage recorded yet.');
    return;
  }
  const { totals, projection } = model;
  setText('total-savings', usd(totals.savingsUsd));
  setText('total-savings-percent', totals.savingsPercent === undefined ? 'no on-demand price known' : `${percent(totals.savingsPercent)} less than on-demand`);
  setText('total-spot', usd(totals.spotUsd));
  setText('total-on-demand', usd(totals.onDemandUsd));
  setText('total-hours', hours(totals.boxHours));
  setText('total-sessions', `${totals.sessions} session${totals.sessions === 1 ? '' : 's'}, ${totals.runningSessions} running`);
  setText('projected-savings', usd(projection.projectedSavingsUsd));
  setText('projected-spot', `at ${usd(projection.projectedSpotUsd)} spot spend`);
  const young = projection.coveredDays < projection.windowDays ? ` The ledger covers only ${projection.coveredDays.toFixed(1)} of those days; the rest count as no usage.` : '';
  setText(
    'projection-note',
    `Projection: the last ${projection.windowDays} days of usage (${usd(projection.windowSavingsUsd)} saved on ${usd(projection.windowSpotUsd)} of spot) scaled to ${projection.monthDays} days.${young}`,
  );
  const unpriced = element('unpriced-note');
  unpriced.hidden = totals.unpricedSessions === 0;
  unpriced.textContent = `${totals.unpricedSessions} session(s) had no spot or on-demand price and are left out of the savings.`;
  const notCharged = element('not-charged-note');
  notCharged.hidden = totals.notChargedSessions === 0;
  notCharged.textContent = `${notChargedText(totals.notChargedSessions, totals.notChargedUsd)}: AWS does not bill a spot box EC2 interrupts before it is one hour old, so those sessions count as $0.`;
  renderClouds(model.byCloud);
  renderBoxes(model.boxes);
  renderInterruptionTable('interruptions-type-body', model.interruptionsByType);
  renderInterruptionTable('interruptions-region-body', model.interruptionsByRegion);
  lastModel = model;
  renderInterruptionChart('interruptions-type-chart', model.interruptionsByType, 'By instance type');
  renderInterruptionChart('interruptions-region-chart', model.interruptionsByRegion, 'By region');
  renderEpochs(model.epochs, model);
  setText('status', `Saved ${usd(totals.savingsUsd)} against on-demand over ${totals.sessions} session${totals.sessions === 1 ? '' : 's'}.`);
}

window.addEventListener('message', (event: MessageEvent<ExtensionToWebview>) => {
  const message = event.data;
  if (message.type === 'model') {
    render(message.model, message.alert);
  }
});
// The charts are drawn to the panel's width: redraw them when it changes.
window.addEventListener('resize', () => {
  if (lastModel && !lastModel.empty) {
    renderInterruptionChart('interruptions-type-chart', lastModel.interruptionsByType, 'By instance type');
    renderInterruptionChart('interruptions-region-chart', lastModel.interruptionsByRegion, 'By region');
  }
});
element('launch-box').addEventListener('click', () => vscode.postMessage({ type: 'launchBox' }));
element('alert-settings').addEventListener('click', () => vscode.postMessage({ type: 'openAlertSetting' }));
vscode.postMessage({ type: 'ready' });
