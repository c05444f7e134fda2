import * as vscode from 'vscode';
import type { PricingContext } from '../../core/calculator/pricingContext';
import type { LivePoolPricer } from '../../core/pricing/priceService';
import { readLedgerSessions, USAGE_LEDGER_FILE } from '../../core/dashboard/ledgerFile';
import type { Logger } from '../../core/logging/logger';
import type { Clock } from '../../core/time/clock';
import type { SettingsReader } from '../../config/settingsReader';
import { CalculatorPanels } from './calculatorPanel';

const GPU_EXAMPLES = ['8x H100', '8x A100', '1x A10G', '4x L4', '1x T4', '8x V100', '8x H200', 'p5.48xlarge', 'g5.xlarge'];

export interface CalculatorFeature {
  readonly panels: CalculatorPanels;
  /** The pricing context, built on first use (catalogs read, SDK not loaded until a live price is asked for). */
  pricing(): Promise<PricingContext>;
}

export function registerCalculator(
  context: vscode.ExtensionContext,
  deps: {
    settings: SettingsReader;
    clock: Clock;
    logger: Logger;
    /** The connected Google Cloud's Billing Catalog, for live GCP rows; undefined while none is connected. */
    gcpLivePrices: () => Promise<LivePoolPricer | undefined>;
    /** Azure's Retail Prices API (no sign-in), for live Azure rows. */
    azureLivePrices: () => Promise<LivePoolPricer | undefined>;
  },
): CalculatorFeature {
  let pricing: Promise<PricingContext> | undefined;
  const getPricing = (): Promise<PricingContext> => {
    // The price service, estimator and calculator are bundled apart and loaded here (esbuild.mjs).
    pricing ??= import('../../core/calculator/pricingContext')
      .then(({ createPricingContext }) =>
        createPricingContext({
          catalogDir: vscode.Uri.joinPath(context.extensionUri, 'resources', 'prices').fsPath,
          awsProfile: deps.settings.settings.awsProfile,
          livePrices: true,
          clock: deps.clock,
          gcpLivePrices: deps.gcpLivePrices,
          azureLivePrices: deps.azureLivePrices,
          usageSessions: () =>
            readLedgerSessions(vscode.Uri.joinPath(context.globalStorageUri, USAGE_LEDGER_FILE).fsPath, (reason) =>
              deps.logger.warn(`the usage ledger cannot be read (${reason}); the calculator rates pools by their catalogs alone`),
            ),
        }),
      )
      .catch((error: unknown) => {
        pricing = undefined;
        throw error;
      });
    return pricing;
  };
  // A new profile means new credentials and endpoints: rebuild the price service on next use.
  context.subscriptions.push(
    deps.settings.onDidChange(({ keys }) => {
      if (keys.includes('awsProfile')) {
        pricing = undefined;
      }
    }),
  );

  const panels = new CalculatorPanels({
    extensionUri: context.extensionUri,
    state: context.globalState,
    logger: deps.logger.child('calculator'),
    calculate: async (inputs) => (await getPricing()).calculator.calculate(inputs),
    knownRegions: async () => (await getPricing()).knownRegions,
    gpuExamples: GPU_EXAMPLES,
    launchFrom: async (poolId) => {
      const [cloud, region, zone, instanceType] = poolId.split(':');
      // Launching arrives with the next version; say what would be launched rather than nothing.
      await vscode.window.showInformationMessage(
        `Spotbox: launching ${instanceType} in ${region}${zone ? ` (${zone})` : ''} on ${cloud?.toUpperCase()} comes with the launch feature in the next version. The estimate above is what it would cost.`,
      );
    },
  });
  context.subscriptions.push(panels);
  return { panels, pricing: getPricing };
}
