import type { BoxStore } from '../../core/boxes/boxStore';
import { userMessageOf } from '../../core/errors';
import type { Logger } from '../../core/logging/logger';
import type { DashboardPanels } from '../../webviews/dashboard/dashboardPanel';

/** Spotbox: Open Cost Dashboard — opens (or reveals) the dashboard over the usage ledger. */
export function openCostDashboardCommand(deps: { panels: DashboardPanels; boxStore: BoxStore; logger: Logger }): void {
  deps.panels.show();
  // Someone is looking: read the boxes now so a running one is in the figures, not a minute later.
  deps.boxStore.refresh().catch((error: unknown) => deps.logger.warn(`refreshing boxes for the dashboard failed: ${userMessageOf(error)}`));
}
