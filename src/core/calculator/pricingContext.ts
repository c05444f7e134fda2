import { Ec2SpotPrices } from '../aws/ec2SpotPrices';
import { PriceListOnDemandPrices } from '../aws/onDemandPrices';
import { estimate } from '../estimate/estimator';
import { loadCatalogs } from '../pricing/catalogLoader';
import type { Catalogs } from '../pricing/catalogTypes';
import { priceAgeLabel } from '../pricing/priceAge';
import { PriceService, type LivePoolPricer } from '../pricing/priceService';
import type { Clock } from '../time/clock';
import type { BoxSession } from '../dashboard/usageTypes';
import { CalculatorService } from './calculatorService';

export interface PricingContext {
  readonly catalogs: Catalogs;
  readonly priceService: PriceService;
  readonly calculator: CalculatorService;
  readonly knownRegions: readonly string[];
}

export interface PricingContextOptions {
  /** Folder with the bundled catalogs (the extension's resources/prices). */
  readonly catalogDir: string;
  /** AWS profile; the SDK's default chain when empty. */
  readonly awsProfile?: string;
  /** Live spot (EC2) and on-demand (Price List API) prices; without them every figure comes from the catalogs (e.g. the CLI's --offline). */
  readonly livePrices: boolean;
  readonly clock: Pick<Clock, 'now'>;
  /** The usage ledger's sessions, for observed interruption rates (none: the catalogs' rates alone). */
  readonly usageSessions?: () => Promise<readonly BoxSession[]>;
  /** The Billing Catalog of the connected Google Cloud (none: GCP rows from the catalog). */
  readonly gcpLivePrices?: () => Promise<LivePoolPricer | undefined>;
  /** Azure's Retail Prices API (retailPoolPricer over an AzureRetailPrices; none: Azure rows from the catalog). */
  readonly azureLivePrices?: () => Promise<LivePoolPricer | undefined>;
}

const LIVE_PRICE_TTL_MS = 5 * 60_000;
// A region that has not answered by then is priced from the catalog, so one slow region never
// holds up the calculator.
const REGION_TIMEOUT_MS = 8_000;

/** Catalogs, live spot and on-demand prices and the estimator, put together once for the calculator and the CLI. */
export async function createPricingContext(options: PricingContextOptions): Promise<PricingContext> {
  const catalogs = await loadCatalogs(options.catalogDir);
  const live = { profile: options.awsProfile || undefined, requestTimeoutMs: 5_000, now: () => options.clock.now() };
  const priceService = new PriceService({
    catalogs,
    spotPriceSource: options.livePrices ? new Ec2SpotPrices(live) : undefined,
    onDemandPriceSource: options.livePrices ? new PriceListOnDemandPrices(live) : undefined,
    clock: options.clock,
    ttlMs: LIVE_PRICE_TTL_MS,
    regionTimeoutMs: REGION_TIMEOUT_MS,
    ...(options.livePrices && options.gcpLivePrices ? { gcpLivePrices: options.gcpLivePrices } : {}),
    ...(options.livePrices && options.azureLivePrices ? { azureLivePrices: options.azureLivePrices } : {}),
  });
  const knownRegions = Object.keys(catalogs.onDemand.regions);
  const calculator = new CalculatorService(async () => priceService, {
    estimate,
    priceAge: (price) => priceAgeLabel(price, options.clock.now()),
    knownRegions: async () => knownRegions,
    ...(options.usageSessions ? { usageSessions: options.usageSessions } : {}),
  });
  return { catalogs, priceService, calculator, knownRegions };
}
