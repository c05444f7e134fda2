export interface GpuNeed {
  readonly count: number;
  /** Canonical model name as the spec table spells it, e.g. H100, A10G. */
  readonly model: string;
}

/** Models Spotbox knows, canonical spelling; matching is case-insensitive. */
export const KNOWN_GPU_MODELS = ['H200', 'H100', 'A100', 'A10G', 'L40S', 'L4', 'V100', 'T4'] as const;

const FORMS = 'accepted forms: "8x H100", "8 x h100", "1x A10G" or just "H100" (= 1 GPU)';

/** Parses a GPU need such as "8x H100"; a bare model means one GPU. */
export function parseGpuNeed(text: string): GpuNeed {
  const match = /^\s*(?:(\d+)\s*[x×*]\s*)?([a-z0-9]+)\s*$/i.exec(text);
  if (!match) throw new Error(`Cannot read the GPU need "${text}": ${FORMS}.`);
  const count = match[1] === undefined ? 1 : Number(match[1]);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`Cannot read the GPU need "${text}": the count must be 1 or more; ${FORMS}.`);
  const model = KNOWN_GPU_MODELS.find((known) => known.toLowerCase() === match[2].toLowerCase());
  if (!model) throw new Error(`Unknown GPU model "${match[2]}" in "${text}": use one of ${KNOWN_GPU_MODELS.join(', ')}; ${FORMS}.`);
  return { count, model };
}
