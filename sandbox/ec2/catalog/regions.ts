/** Commercial regions the sandbox serves, with their real AZ letters and zone-id prefixes. */
interface RegionInfo {
  readonly zoneLetters: string;
  readonly zoneIdPrefix: string;
  /** Hours from UTC, used to put the spot price's daily dip into the region's night. */
  readonly utcOffset: number;
}

const REGIONS: Record<string, RegionInfo> = {
  'us-east-1': { zoneLetters: 'abcdef', zoneIdPrefix: 'use1', utcOffset: -5 },
  'us-east-2': { zoneLetters: 'abc', zoneIdPrefix: 'use2', utcOffset: -5 },
  'us-west-1': { zoneLetters: 'bc', zoneIdPrefix: 'usw1', utcOffset: -8 },
  'us-west-2': { zoneLetters: 'abcd', zoneIdPrefix: 'usw2', utcOffset: -8 },
  'ca-central-1': { zoneLetters: 'abd', zoneIdPrefix: 'cac1', utcOffset: -5 },
  'eu-west-1': { zoneLetters: 'abc', zoneIdPrefix: 'euw1', utcOffset: 0 },
  'eu-west-2': { zoneLetters: 'abc', zoneIdPrefix: 'euw2', utcOffset: 0 },
  'eu-central-1': { zoneLetters: 'abc', zoneIdPrefix: 'euc1', utcOffset: 1 },
  'eu-north-1': { zoneLetters: 'abc', zoneIdPrefix: 'eun1', utcOffset: 1 },
  'ap-northeast-1': { zoneLetters: 'acd', zoneIdPrefix: 'apne1', utcOffset: 9 },
  'ap-northeast-2': { zoneLetters: 'abcd', zoneIdPrefix: 'apne2', utcOffset: 9 },
  'ap-southeast-1': { zoneLetters: 'abc', zoneIdPrefix: 'apse1', utcOffset: 8 },
  'ap-southeast-2': { zoneLetters: 'abc', zoneIdPrefix: 'apse2', utcOffset: 10 },
  'ap-south-1': { zoneLetters: 'abc', zoneIdPrefix: 'aps1', utcOffset: 5.5 },
  'sa-east-1': { zoneLetters: 'abc', zoneIdPrefix: 'sae1', utcOffset: -3 },
};

export interface Zone {
  readonly zoneName: string;
  readonly zoneId: string;
  readonly regionName: string;
}

export function regionNames(): string[] {
  return Object.keys(REGIONS);
}

export function isRegion(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(REGIONS, name);
}

export function regionUtcOffset(region: string): number {
  return REGIONS[region]?.utcOffset ?? 0;
}

/** Zone ids are numbered by letter position, like a fresh account's mapping. */
export function zones(region: string): Zone[] {
  const info = REGIONS[region];
  if (!info) return [];
  return [...info.zoneLetters].map((letter, i) => ({
    zoneName: region + letter,
    zoneId: `${info.zoneIdPrefix}-az${i + 1}`,
    regionName: region,
  }));
}

export function findZone(region: string, zoneName: string): Zone | undefined {
  return zones(region).find((z) => z.zoneName === zoneName || z.zoneId === zoneName);
}
