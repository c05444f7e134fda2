/** Shapes of the JSON catalogs in resources/prices, as loadCatalogs returns them once validated. */

export interface CatalogPrice {
  readonly usdPerHour: number;
  readonly estimate: boolean;
}

/** aws-ec2-gpu-on-demand.json (shared with the sandbox: its schema must not change). */
export interface OnDemandCatalog {
  readonly asOf: string;
  readonly source: string;
  readonly regions: Readonly<Record<string, { readonly name: string }>>;
  readonly instanceTypes: Readonly<Record<string, { readonly family: string; readonly prices: Readonly<Record<string, CatalogPrice>> }>>;
}

export interface AdvisorEntry {
  /** Savings in percent against on-demand. */
  readonly s: number;
  /** Range index of the monthly interruption frequency (0 `<5%` .. 4 `>20%`). */
  readonly r: number;
}

/** aws-spot-advisor.json, in the shape of AWS's Spot Instance Advisor data. */
export interface SpotAdvisorCatalog {
  readonly asOf: string;
  readonly source: string;
  readonly estimate: boolean;
  readonly spot_advisor: Readonly<Record<string, { readonly Linux: Readonly<Record<string, AdvisorEntry>> }>>;
}

export interface OtherCloudPrice {
  readonly onDemandUsdPerHour: number;
  readonly spotUsdPerHour: number;
  readonly estimate: boolean;
}

/** gcp-gpu.json and azure-gpu.json. */
export interface OtherCloudCatalog {
  readonly cloud: 'gcp' | 'azure';
  readonly asOf: string;
  readonly source: string;
  readonly noticeSeconds: number;
  readonly instanceTypes: Readonly<
    Record<string, { readonly gpu: { readonly model: string; readonly count: number; readonly memoryGiB: number }; readonly prices: Readonly<Record<string, OtherCloudPrice>> }>
  >;
}

export interface Catalogs {
  readonly onDemand: OnDemandCatalog;
  readonly advisor: SpotAdvisorCatalog;
  readonly gcp: OtherCloudCatalog;
  readonly azure: OtherCloudCatalog;
}

export const CATALOG_FILES = {
  onDemand: 'aws-ec2-gpu-on-demand.json',
  advisor: 'aws-spot-advisor.json',
  gcp: 'gcp-gpu.json',
  azure: 'azure-gpu.json',
} as const;
