import { webviewPage, type WebviewResources } from '../webviewPage';

/** The calculator page: strict CSP (nonce'd script, styles from the extension only), no inline handlers. */
export function calculatorHtml(options: WebviewResources): string {
  return webviewPage({
    ...options,
    title: 'Spotbox: Estimate Savings',
    body: `<h1>Spot vs on-demand, interruptions included</h1>
<p class="subtitle">Expected cost of a training job on spot GPUs once interruptions, checkpoints and restarts are counted.</p>
<form id="inputs" aria-label="Estimate inputs">
  <label>GPU need or instance type
    <input type="text" name="gpuOrInstanceType" list="gpu-examples" required aria-describedby="gpu-help">
    <datalist id="gpu-examples"></datalist>
  </label>
  <label>Regions (comma separated)
    <input type="text" name="regions" placeholder="all regions">
  </label>
  <label>Job length (compute hours)
    <input type="number" name="jobHours" min="0.01" step="any" required>
  </label>
  <label>Checkpoint write time (minutes)
    <input type="number" name="checkpointMinutes" min="0" step="any" required>
  </label>
  <label>Restart time (minutes)
    <input type="number" name="restartMinutes" min="0" step="any" required>
  </label>
  <label>Interruption rates from
    <select name="interruptionModel">
      <option value="advisor">AWS Spot Advisor buckets (per month)</option>
      <option value="article">Article presets: H100 4.1, A100 2.3, V100 0.8 %/h</option>
    </select>
  </label>
  <label>Interruptions per hour (%; empty = from the source above)
    <input type="number" name="interruptionsPerHour" min="0" step="any">
  </label>
  <label class="checkbox"><input type="checkbox" name="noticeCheckpoint"> Checkpoint on the interruption notice</label>
  <label class="checkbox"><input type="checkbox" name="includeOtherClouds"> Include GCP and Azure</label>
  <button type="submit">Estimate</button>
</form>
<p id="gpu-help" class="subtitle">For example "8x H100", "1x A10G", or "g5.xlarge".</p>
<div id="status" role="status" aria-live="polite"></div>
<section id="results" hidden aria-label="Results">
  <p id="best-pool"></p>
  <div class="cards">
    <div class="card"><div class="label">Spot cost (expected)</div><div class="value" id="spot-cost"></div></div>
    <div class="card"><div class="label">On-demand cost</div><div class="value" id="on-demand-cost"></div></div>
    <div class="card highlight"><div class="label">Savings</div><div class="value" id="savings"></div></div>
    <div class="card"><div class="label">Expected interruptions</div><div class="value" id="interruptions"></div></div>
    <div class="card"><div class="label">Checkpoint interval</div><div class="value" id="interval"></div></div>
    <div class="card"><div class="label">Expected wall time</div><div class="value" id="wall-time"></div></div>
    <div class="card"><div class="label">Break-even interruption rate</div><div class="value" id="break-even"></div></div>
  </div>
  <ul id="warnings" class="warnings"></ul>
  <section id="clouds" hidden aria-label="Clouds side by side">
    <h2>Cheapest per cloud</h2>
    <p class="subtitle">The same job on each cloud's cheapest spot option, with that cloud's notice length and interruption rate counted, and its savings against that cloud's own on-demand price.</p>
    <table aria-label="Each cloud's cheapest spot option for this job">
      <thead><tr><th>Cloud</th><th>Cheapest option</th><th>Spot</th><th>Interruptions</th><th>Job cost</th><th>Savings</th><th>Prices from</th></tr></thead>
      <tbody id="clouds-body"></tbody>
    </table>
  </section>
  <div class="chart"><canvas id="cost-chart" role="img" aria-label="Expected cost against job length for on-demand and spot"></canvas></div>
  <h2>Cheapest pools</h2>
  <table aria-label="Pools ranked by expected spot cost">
    <thead><tr><th>#</th><th>Where</th><th>Type</th><th>GPUs</th><th>Spot</th><th>On-demand</th><th>Interruptions</th><th>Job cost</th><th>Savings</th><th>Price source</th><th></th></tr></thead>
    <tbody id="pools-body"></tbody>
  </table>
  <ul id="notes" class="notes"></ul>
</section>`,
  });
}
