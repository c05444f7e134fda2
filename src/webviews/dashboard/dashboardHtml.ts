import { webviewPage, type WebviewResources } from '../webviewPage';

/** The dashboard page: strict CSP (nonce'd script, styles from the extension only), no inline handlers. */
export function dashboardHtml(options: WebviewResources): string {
  return webviewPage({
    ...options,
    title: 'Spotbox: Cost Dashboard',
    body: `<h1>What spot has saved you</h1>
<p class="subtitle">Every box session Spotbox has seen, billed per second from its pool's spot price history, against the same seconds on demand.</p>
<div id="status" role="status" aria-live="polite">Loading…</div>
<section id="empty" hidden aria-label="No usage yet">
  <p>No box sessions recorded yet. Sessions are recorded while the editor is open and a box runs; savings, interruptions and the cost per epoch appear here.</p>
  <button type="button" id="launch-box">Launch a Spot Box</button>
</section>
<section id="content" hidden aria-label="Usage">
  <div class="cards">
    <div class="card highlight"><div class="label">Saved against on-demand</div><div class="value" id="total-savings"></div><div class="detail" id="total-savings-percent"></div></div>
    <div class="card"><div class="label">Spent on spot</div><div class="value" id="total-spot"></div></div>
    <div class="card"><div class="label">Same time on demand</div><div class="value" id="total-on-demand"></div></div>
    <div class="card"><div class="label">Box hours</div><div class="value" id="total-hours"></div><div class="detail" id="total-sessions"></div></div>
    <div class="card highlight"><div class="label">Projected monthly savings</div><div class="value" id="projected-savings"></div><div class="detail" id="projected-spot"></div></div>
  </div>
  <p class="note" id="projection-note"></p>
  <p class="note" id="unpriced-note" hidden></p>
  <p class="note" id="not-charged-note" hidden></p>
  <h2>By cloud</h2>
  <table aria-label="Usage by cloud">
    <thead><tr><th>Cloud</th><th class="number">Sessions</th><th class="number">Hours</th><th class="number">Spot</th><th class="number">On-demand</th><th class="number">Saved</th><th class="number">Saved %</th><th class="number">Notice</th><th class="number">Rebalance</th><th class="number">Hard</th><th class="number" title="Interruptions per 100 spot hours">Per 100 h</th><th class="number">Per epoch</th></tr></thead>
    <tbody id="clouds-body"></tbody>
  </table>
  <h2>Savings per box</h2>
  <table aria-label="Savings per box">
    <thead><tr><th>Box</th><th>Types</th><th>Regions</th><th class="number">Sessions</th><th class="number">Hours</th><th class="number">Spot</th><th class="number">On-demand</th><th class="number">Saved</th><th class="number">Saved %</th><th class="number">Interruptions</th><th>Status</th></tr></thead>
    <tbody id="boxes-body"></tbody>
  </table>
  <h2>Interruptions</h2>
  <p class="note">Spot sessions only, with the spot hours that were exposed; a type or region that ran without interruption is listed too.</p>
  <div class="charts">
    <div class="chart" id="interruptions-type-chart"></div>
    <div class="chart" id="interruptions-region-chart"></div>
  </div>
  <div class="tables">
    <table aria-label="Interruptions by instance type">
      <thead><tr><th>Instance type</th><th class="number">Notice</th><th class="number">Rebalance</th><th class="number">Hard</th><th class="number">Total</th><th class="number">Spot hours</th><th class="number">Per 100 h</th></tr></thead>
      <tbody id="interruptions-type-body"></tbody>
    </table>
    <table aria-label="Interruptions by region">
      <thead><tr><th>Region</th><th class="number">Notice</th><th class="number">Rebalance</th><th class="number">Hard</th><th class="number">Total</th><th class="number">Spot hours</th><th class="number">Per 100 h</th></tr></thead>
      <tbody id="interruptions-region-body"></tbody>
    </table>
  </div>
  <h2>Effective cost per epoch</h2>
  <p class="note" id="epochs-empty">No epochs reported yet. They are reported by the training job through Spotbox's recovery; each box's whole cost (set-up, restarts and redone work included) is divided by the epochs it finished.</p>
  <table id="epochs-table" aria-label="Cost per epoch" hidden>
    <thead><tr><th>Box</th><th class="number">Epochs</th><th class="number">Spot cost</th><th class="number">Per epoch</th><th class="number">On-demand per epoch</th></tr></thead>
    <tbody id="epochs-body"></tbody>
    <tfoot id="epochs-total"></tfoot>
  </table>
</section>
<section id="alert" aria-label="Price alert">
  <h2>Price alert</h2>
  <p id="alert-status"></p>
  <button type="button" id="alert-settings" class="secondary">Set the alert level</button>
</section>`,
  });
}
