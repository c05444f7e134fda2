import { cheapestCatalogSpot, gpuNeedOptions, instanceTypeOptions } from './capacityOptions';
import { suggestMaxPrice, type MaxPriceSuggestion } from './maxPriceSuggestion';
import { TYPES_CHOICE, type SpotQuote, type WizardAnswers, type WizardContext } from './wizardTypes';

/** The candidate instance types of the answers so far (a GPU need's, or the explicit ones). */
export function candidateTypes(answers: WizardAnswers, context: WizardContext): readonly string[] {
  if (answers.capacity === TYPES_CHOICE) return answers.instanceTypes ?? [];
  return gpuNeedOptions(context.catalogs, answers.regions ?? []).find((need) => need.key === answers.capacity)?.instanceTypes ?? [];
}

/** Identifies the pools a price is for: the regions and the candidate types. */
export function poolKey(answers: WizardAnswers, context: WizardContext): string {
  return `${(answers.regions ?? []).join(',')}|${candidateTypes(answers, context).join(',')}`;
}

export function maxPriceSuggestionFor(answers: WizardAnswers, context: WizardContext, spotQuote: SpotQuote | undefined): MaxPriceSuggestion {
  const regions = answers.regions ?? [];
  const types = candidateTypes(answers, context);
  const onDemand = instanceTypeOptions(context.catalogs, regions).find((option) => types.includes(option.instanceType))?.cheapestOnDemand;
  return suggestMaxPrice(spotQuote, cheapestCatalogSpot(context.catalogs, regions, types), onDemand);
}

/** "1.5", "$1.5", "1.5/h" as a price above 0; undefined for anything else. */
export function parsePrice(value: string): number | undefined {
  const match = /^\$?\s*(\d+(?:\.\d+)?|\.\d+)\s*(?:\/\s*h)?$/.exec(value.trim());
  const price = match ? Number(match[1]) : NaN;
  return Number.isFinite(price) && price > 0 ? price : undefined;
}
