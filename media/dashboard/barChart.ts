// A stacked bar chart drawn as SVG. The dashboard's charts are a few bars of small counts; a copy
// of Chart.js for them would cost the package ~60 kB (the calculator already carries one), so they
// are drawn here. Colours come from CSS classes over the theme's --vscode-charts-* variables.

export interface BarSeries {
  readonly label: string;
  /** One value per category, in the order of `categories`. */
  readonly values: readonly number[];
  /** CSS class giving the series its colour. */
  readonly className: string;
}

export interface BarChartData {
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly xTitle: string;
  readonly yTitle: string;
}

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 200;
const MARGIN = { top: 8, right: 8, bottom: 44, left: 40 };

function svg<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Whole-number ticks, at most five intervals, up to at least the tallest bar (and at least 1). */
function ticksFor(max: number): number[] {
  const top = Math.max(1, Math.ceil(max));
  const step = Math.max(1, Math.ceil(top / 5));
  const ticks: number[] = [];
  for (let tick = 0; tick < top + step; tick += step) ticks.push(tick);
  return ticks;
}

/** Draws (or redraws) the chart into `container`: a legend, then the SVG sized to the container's width. */
export function renderBarChart(container: HTMLElement, data: BarChartData): void {
  const width = Math.max(240, container.clientWidth);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = data.categories.map((_, index) => data.series.reduce((sum, series) => sum + (series.values[index] ?? 0), 0));
  const ticks = ticksFor(Math.max(0, ...totals));
  const top = ticks[ticks.length - 1] ?? 1;
  const y = (value: number): number => MARGIN.top + plotHeight - (value / top) * plotHeight;

  const legend = document.createElement('div');
  legend.className = 'legend';
  for (const series of data.series) {
    const item = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${series.className}`;
    item.append(swatch, document.createTextNode(series.label));
    legend.append(item);
  }

  const chart = svg('svg', { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'aria-label': `${data.yTitle} ${data.xTitle.toLowerCase()}` });
  for (const tick of ticks) {
    chart.append(svg('line', { class: 'grid', x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tick), y2: y(tick) }));
    chart.append(svg('text', { class: 'tick', x: MARGIN.left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, String(tick)));
  }
  const band = plotWidth / Math.max(1, data.categories.length);
  const barWidth = Math.min(80, band * 0.6);
  data.categories.forEach((category, index) => {
    const x = MARGIN.left + band * index + (band - barWidth) / 2;
    let stacked = 0;
    for (const series of data.series) {
      const value = series.values[index] ?? 0;
      if (value > 0) {
        const bar = svg('rect', { class: `bar ${series.className}`, x, width: barWidth, y: y(stacked + value), height: y(stacked) - y(stacked + value) });
        bar.append(svg('title', {}, `${category}: ${value} ${series.label.toLowerCase()}`));
        chart.append(bar);
      }
      stacked += value;
    }
    chart.append(svg('text', { class: 'tick', x: x + barWidth / 2, y: MARGIN.top + plotHeight + 16, 'text-anchor': 'middle' }, category));
  });
  chart.append(svg('line', { class: 'axis', x1: MARGIN.left, x2: width - MARGIN.right, y1: y(0), y2: y(0) }));
  chart.append(svg('text', { class: 'axis-title', x: MARGIN.left + plotWidth / 2, y: HEIGHT - 6, 'text-anchor': 'middle' }, data.xTitle));
  chart.append(svg('text', { class: 'axis-title', x: 12, y: MARGIN.top + plotHeight / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${MARGIN.top + plotHeight / 2})` }, data.yTitle));
  container.replaceChildren(legend, chart);
}
