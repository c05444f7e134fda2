// The calculator webview's front end. Runs in the webview's browser context: no vscode or Node
// imports; talks to the extension only through the typed protocol.
import { CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { CalculatorInputs, CalculatorResult, CloudComparisonRow, ExtensionToWebview, PoolRow, WebviewToExtension } from '../../src/webviews/calculator/protocol';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip, Filler);

interface VsCodeApi {
  postMessage(message: WebviewToExtension): void;
  getState(): CalculatorInputs | undefined;
  setState(state: CalculatorInputs): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const form = document.getElementById('inputs') as HTMLFormElement;
const status = document.getElementById('status') as HTMLElement;
let chart: Chart | undefined;
let debounce: number | undefined;

const usd = (amount: number): string =>
  amount >= 1000 ? `$${Math.round(amount).toLocaleString('en-US')}` : `$${amount.toFixed(2)}`;
const percent = (value: number): string => `${value.toFixed(1)} %`;

function field(name: string): HTMLInputElement {
  return form.elements.namedItem(name) as HTMLInputElement;
}

function readInputs(): CalculatorInputs {
  const optionalRate = field('interruptionsPerHour').value.trim();
  return {
    gpuOrInstanceType: field('gpuOrInstanceType').value,
    regions: field('regions').value.split(/[\s,]+/).filter(Boolean),
    jobHours: Number(field('jobHours').value),
    checkpointMinutes: Number(field('checkpointMinutes').value),
    restartMinutes: Number(field('restartMinutes').value),
    noticeCheckpoint: field('noticeCheckpoint').checked,
    interruptionModel: (form.elements.namedItem('interruptionModel') as HTMLSelectElement).value === 'article' ? 'article' : 'advisor',
    interruptionsPerHour: optionalRate === '' ? undefined : Number(optionalRate) / 100,
    includeOtherClouds: field('includeOtherClouds').checked,
  };
}

function writeInputs(inputs: CalculatorInputs): void {
  field('gpuOrInstanceType').value = inputs.gpuOrInstanceType;
  field('regions').value = inputs.regions.join(', ');
  field('jobHours').value = String(inputs.jobHours);
  field('checkpointMinutes').value = String(inputs.checkpointMinutes);
  field('restartMinutes').value = String(inputs.restartMinutes);
  field('noticeCheckpoint').checked = inputs.noticeCheckpoint;
  field('interruptionsPerHour').value = inputs.interruptionsPerHour === undefined ? '' : String(+(inputs.interruptionsPerHour * 100).toFixed(3));
  field('includeOtherClouds').checked = inputs.includeOtherClouds;
  (form.elements.namedItem('interruptionModel') as HTMLSelectElement).value = inputs.interruptionModel;
}

function requestEstimate(): void {
  const inputs = readInputs();
  vscode.setState(inputs);
  form.querySelectorAll('[aria-invalid]').forEach((element) => element.removeAttribute('aria-invalid'));
  vscode.postMessage({ type: 'estimate', inputs });
}

function setText(id: string, text: string): void {
  const element = document.getElementById(id);
  if (element) {
    element.textContent = text;
  }
}

function cssVariable(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function renderChart(result: CalculatorResult): void {
  const canvas = document.getElementById('cost-chart') as HTMLCanvasElement;
  const foreground = cssVariable('--vscode-foreground', '#333');
  const grid = cssVariable('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const series = (label: string, data: readonly (number | null)[], color: string, dashed = false) => ({
    label,
    data: [...data],
    borderColor: color,
    backgroundColor: color,
    borderDash: dashed ? [6, 4] : [],
    pointRadius: 0,
    tension: 0.2,
    spanGaps: false,
  });
  const data = {
    labels: result.chart.jobHours.map(String),
    datasets: [
      series('On-demand', result.chart.onDemand, cssVariable('--vscode-charts-red', '#e51400')),
      series('Spot, no notice checkpoint', result.chart.spotWithoutNotice, cssVariable('--vscode-charts-orange', '#d18616'), true),
      series('Spot, checkpoint on notice', result.chart.spotWithNotice, cssVariable('--vscode-charts-green', '#388a34')),
    ],
  };
  if (chart) {
    chart.data = data;
    chart.update();
    return;
  }
  chart = new Chart(canvas, {
    type: 'line',
    data,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { labels: { color: foreground } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${usd(Number(item.parsed.y))}` } },
      },
      scales: {
        x: { title: { display: true, text: 'Job length (compute hours)', color: foreground }, ticks: { color: foreground }, grid: { color: grid } },
        y: { title: { display: true, text: 'Expected cost (USD)', color: foreground }, ticks: { color: foreground, callback: (value) => usd(Number(value)) }, grid: { color: grid } },
      },
    },
  });
}

const ratePercent = (row: PoolRow): string => `${(row.interruptionsPerHour * 100).toFixed(row.interruptionsPerHour < 0.001 ? 3 : 1)} %/h`;
const where = (row: PoolRow): string => `${row.region}${row.availabilityZone ? ` (${row.availabilityZone})` : ''}`;

function textRow(cells: readonly string[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

/** Shown when the job was priced on more than one cloud: which is cheapest, at a glance. */
function renderClouds(rows: readonly CloudComparisonRow[]): void {
  (document.getElementById('clouds') as HTMLElement).hidden = rows.length < 2;
  (document.getElementById('clouds-body') as HTMLTableSectionElement).replaceChildren(
    ...rows.map(({ label, pool, aboveCheapestPercent }, index) => {
      const tr = textRow([
        label,
        `${pool.instanceType} (${pool.gpu}) in ${where(pool)}`,
        `${usd(pool.spotPerHour)}/h`,
        `${ratePercent(pool)}, ${pool.noticeSeconds} s notice`,
        `${usd(pool.spotCost)} (${index === 0 ? 'cheapest' : `+${percent(aboveCheapestPercent)}`})`,
        `${percent(pool.savingsPercent)} of ${usd(pool.onDemandCost)}`,
        `spot ${pool.priceAge}${pool.priceIsEstimate ? ' (estimate)' : ''}; on-demand ${pool.onDemandPriceAge}`,
      ]);
      // The rate's source is long; the ranked table below shows it too.
      (tr.children[3] as HTMLElement).title = pool.interruptionSource;
      if (index === 0) tr.className = 'cheapest';
      return tr;
    }),
  );
}

function renderRows(rows: readonly PoolRow[]): void {
  const body = document.getElementById('pools-body') as HTMLTableSectionElement;
  body.replaceChildren(
    ...rows.map((row, index) => {
      const tr = textRow([
        String(index + 1),
        `${row.cloud.toUpperCase()} ${where(row)}`,
        row.instanceType,
        row.gpu,
        `${usd(row.spotPerHour)}/h`,
        `${usd(row.onDemandPerHour)}/h`,
        `${ratePercent(row)} (${row.interruptionSource})`,
        usd(row.spotCost),
        percent(row.savingsPercent),
        `${row.priceAge}${row.priceIsEstimate ? ' (estimate)' : ''}`,
      ]);
      const action = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Launch this';
      button.setAttribute('aria-label', `Launch ${row.instanceType} in ${row.region}`);
      button.disabled = row.cloud !== 'aws';
      button.addEventListener('click', () => vscode.postMessage({ type: 'launch', poolId: row.id }));
      action.append(button);
      tr.append(action);
      return tr;
    }),
  );
}

function renderResult(result: CalculatorResult): void {
  const { cards } = result;
  document.getElementById('results')?.removeAttribute('hidden');
  const cloud = result.byCloud.find((row) => row.pool.id === cards.pool.id)?.label ?? cards.pool.cloud;
  setText('best-pool', `${cloud}: ${cards.pool.instanceType} (${cards.pool.gpu}) in ${cards.pool.region}${cards.pool.availabilityZone ? ` / ${cards.pool.availabilityZone}` : ''} — prices ${cards.pool.priceAge}${cards.pool.priceIsEstimate ? ', estimate' : ''}`);
  setText('spot-cost', usd(cards.spotCost));
  setText('on-demand-cost', usd(cards.onDemandCost));
  setText('savings', percent(cards.savingsPercent));
  setText('interruptions', cards.expectedInterruptions.toFixed(1));
  setText('interval', `${cards.checkpointIntervalMinutes.toFixed(0)} min`);
  setText('wall-time', `${cards.expectedWallHours.toFixed(1)} h`);
  setText('break-even', Number.isFinite(cards.breakEvenInterruptionsPerHour) ? `${percent(cards.breakEvenInterruptionsPerHour * 100)}/h` : 'never');
  const warnings = document.getElementById('warnings') as HTMLUListElement;
  warnings.replaceChildren(...cards.warnings.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
  const notes = document.getElementById('notes') as HTMLUListElement;
  notes.replaceChildren(...result.notes.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
  renderChart(result);
  renderClouds(result.byCloud);
  renderRows(result.rows);
  status.textContent = `Spot saves ${percent(cards.savingsPercent)} with ${cards.pool.instanceType} in ${cards.pool.region}.`;
}

window.addEventListener('message', (event: MessageEvent<ExtensionToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'init': {
      writeInputs(vscode.getState() ?? message.inputs);
      const examples = document.getElementById('gpu-examples') as HTMLDataListElement;
      examples.replaceChildren(...message.gpuExamples.map((value) => Object.assign(document.createElement('option'), { value })));
      field('regions').placeholder = `all (${message.knownRegions.length} regions)`;
      requestEstimate();
      break;
    }
    case 'busy':
      status.textContent = 'Estimating…';
      break;
    case 'result':
      document.getElementById('results')?.classList.remove('stale');
      renderResult(message.result);
      break;
    case 'error':
      // The figures below belong to the previous inputs: dim them rather than let them pass as current.
      document.getElementById('results')?.classList.add('stale');
      status.textContent = message.message;
      if (message.field) {
        field(message.field).setAttribute('aria-invalid', 'true');
      }
      break;
  }
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  requestEstimate();
});
form.addEventListener('input', () => {
  window.clearTimeout(debounce);
  debounce = window.setTimeout(requestEstimate, 400);
});
vscode.postMessage({ type: 'ready' });
