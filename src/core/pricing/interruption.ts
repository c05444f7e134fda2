import type { InterruptionRate } from './pricingTypes';

/**
 * AWS's Spot Instance Advisor gives, per pool, a bucket of the monthly interruption frequency f:
 * the fraction of instances of that pool interrupted in a month. Treating interruptions as a
 * Poisson process, P(no interruption in a month) = exp(-lambda * 730 h) = 1 - f, so
 * lambda = -ln(1 - f) / 730 per hour. f is the bucket's midpoint; the open-ended ">20%" bucket
 * uses 25 % (an assumption: AWS publishes no upper bound).
 *
 * These rates are far lower than the seed article's hourly figures (H100 4.1 %/h would mean ~30
 * interruptions a month); the article's presets stay selectable for a pessimistic estimate.
 */
export const HOURS_PER_MONTH = 730;

export const ADVISOR_BUCKETS: ReadonlyArray<{ readonly label: string; readonly midpoint: number }> = [
  { label: '<5%', midpoint: 0.025 },
  { label: '5-10%', midpoint: 0.075 },
  { label: '10-15%', midpoint: 0.125 },
  { label: '15-20%', midpoint: 0.175 },
  { label: '>20%', midpoint: 0.25 },
];

export function monthlyFrequencyToHourly(frequency: number): number {
  if (!(frequency >= 0 && frequency < 1)) throw new Error(`A monthly interruption frequency must be in [0, 1), got ${frequency}`);
  return -Math.log(1 - frequency) / HOURS_PER_MONTH;
}

export function rateFromBucket(rangeIndex: number): InterruptionRate {
  const bucket = ADVISOR_BUCKETS[rangeIndex];
  if (!bucket) throw new Error(`Unknown Spot Advisor range index ${rangeIndex}: expected 0..${ADVISOR_BUCKETS.length - 1}`);
  return { perHour: monthlyFrequencyToHourly(bucket.midpoint), source: 'advisor-bucket', bucket: bucket.label };
}

/** Hourly interruption rates quoted by the seed article (Dec 2025). */
export const ARTICLE_PRESETS = { H100: 0.041, A100: 0.023, V100: 0.008 } as const;
export type InterruptionPreset = keyof typeof ARTICLE_PRESETS;

export function presetRate(preset: InterruptionPreset): InterruptionRate {
  return { perHour: ARTICLE_PRESETS[preset], source: 'preset' };
}

/** The article preset for a GPU model, if the article quotes one (H200 is taken as H100). */
export function presetForModel(model: string): InterruptionPreset | undefined {
  const key = model.toUpperCase() === 'H200' ? 'H100' : model.toUpperCase();
  return key in ARTICLE_PRESETS ? (key as InterruptionPreset) : undefined;
}

export function userRate(perHour: number): InterruptionRate {
  if (!(Number.isFinite(perHour) && perHour >= 0)) throw new Error(`An interruption rate must be a number of interruptions per hour >= 0, got ${perHour}`);
  return { perHour, source: 'user' };
}

/**
 * How a scan assigns interruption rates: the pool's advisor bucket (default), the article preset
 * of the pool's GPU model (advisor where the article has none), or one user-given rate for all.
 */
export type InterruptionChoice = { readonly mode: 'advisor' } | { readonly mode: 'article-presets' } | { readonly mode: 'user'; readonly perHour: number };
