/**
 * A few of Compute Engine's SKUs as the Cloud Billing Catalog lists them: vCPU and RAM per machine
 * series and GPUs, OnDemand and Preemptible (Spot), per region. Prices are us-central1 list prices
 * of late 2025 (USD per hour, per GiB-hour for RAM), rounded; other regions scale them. A VM's
 * price is vCPU SKU x vCPUs + RAM SKU x GiB (+ GPU SKU x GPUs), matched by the series in the description.
 */
import { createHash } from 'node:crypto';

export const COMPUTE_SERVICE_ID = '6F81-5844-456A';

interface PricedResource {
  /** "A2 Instance Core", "Nvidia Tesla A100 GPU", ... as the SKU descriptions name it. */
  readonly item: string;
  readonly resourceGroup: 'CPU' | 'RAM' | 'GPU';
  readonly onDemand: number;
  readonly spot: number;
}

const RESOURCES: readonly PricedResource[] = [
  { item: 'A2 Instance Core', resourceGroup: 'CPU', onDemand: 0.031611, spot: 0.009483 },
  { item: 'A2 Instance Ram', resourceGroup: 'RAM', onDemand: 0.004237, spot: 0.001271 },
  { item: 'G2 Instance Core', resourceGroup: 'CPU', onDemand: 0.024988, spot: 0.009995 },
  { item: 'G2 Instance Ram', resourceGroup: 'RAM', onDemand: 0.002927, spot: 0.001171 },
  { item: 'N1 Predefined Instance Core', resourceGroup: 'CPU', onDemand: 0.031611, spot: 0.006655 },
  { item: 'N1 Predefined Instance Ram', resourceGroup: 'RAM', onDemand: 0.004237, spot: 0.000892 },
  { item: 'Nvidia Tesla A100 GPU', resourceGroup: 'GPU', onDemand: 2.933908, spot: 1.17 },
  { item: 'Nvidia Tesla A100 80GB GPU', resourceGroup: 'GPU', onDemand: 3.92828, spot: 1.57 },
  { item: 'Nvidia L4 GPU', resourceGroup: 'GPU', onDemand: 0.56004, spot: 0.224 },
  { item: 'Nvidia Tesla T4 GPU', resourceGroup: 'GPU', onDemand: 0.35, spot: 0.14 },
];

const REGIONS: ReadonlyArray<{ region: string; area: string; factor: number }> = [
  { region: 'us-central1', area: 'Americas', factor: 1 },
  { region: 'us-east1', area: 'Americas', factor: 1 },
  { region: 'us-west1', area: 'Americas', factor: 1 },
  { region: 'europe-west4', area: 'Netherlands', factor: 1.1 },
];

export interface Money {
  readonly currencyCode: string;
  readonly units: string;
  readonly nanos: number;
}

/** Google's Money: whole units as a string, the rest in nanos (an integer). */
export function money(amount: number): Money {
  const units = Math.floor(amount);
  return { currencyCode: 'USD', units: String(units), nanos: Math.round((amount - units) * 1e9) };
}

function skuId(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex').toUpperCase();
  return `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}`;
}

/** Every SKU, in a stable order (the catalog pages through it). */
export function computeSkus(effectiveTime: string): Array<Record<string, unknown>> {
  const skus: Array<Record<string, unknown>> = [];
  for (const { region, area, factor } of REGIONS) {
    for (const resource of RESOURCES) {
      for (const usageType of ['OnDemand', 'Preemptible'] as const) {
        const description = `${usageType === 'Preemptible' ? 'Spot Preemptible ' : ''}${resource.item} running in ${area}`;
        const id = skuId(`${region}/${description}`);
        const ram = resource.resourceGroup === 'RAM';
        skus.push({
          name: `services/${COMPUTE_SERVICE_ID}/skus/${id}`,
          skuId: id,
          description,
          category: { serviceDisplayName: 'Compute Engine', resourceFamily: 'Compute', resourceGroup: resource.resourceGroup, usageType },
          serviceRegions: [region],
          pricingInfo: [{
            summary: '',
            pricingExpression: {
              usageUnit: ram ? 'GiBy.h' : 'h',
              displayQuantity: 1,
              tieredRates: [{ startUsageAmount: 0, unitPrice: money((usageType === 'Preemptible' ? resource.spot : resource.onDemand) * factor) }],
              usageUnitDescription: ram ? 'gibibyte hour' : 'hour',
              baseUnit: ram ? 'By.s' : 's',
              baseUnitDescription: ram ? 'byte second' : 'second',
              baseUnitConversionFactor: ram ? 3600 * 2 ** 30 : 3600,
            },
            currencyConversionRate: 1,
            effectiveTime,
          }],
          serviceProviderName: 'Google',
          geoTaxonomy: { type: 'REGIONAL', regions: [region] },
        });
      }
    }
  }
  return skus;
}
