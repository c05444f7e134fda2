import * as assert from 'node:assert/strict';
import type { ProfileWizard } from '../../../src/core/profile/wizard/profileWizard';
import type { InputStep, PickStep, WizardStep } from '../../../src/core/profile/wizard/wizardTypes';

/** What accepting a step at once answers: the ticked items, the focused one, or the prefilled text. */
export function defaultAnswer(step: WizardStep): string | string[] {
  if (step.kind === 'input') return step.value;
  return step.canPickMany ? step.items.filter((item) => item.picked).map((item) => item.id) : [step.activeId ?? ''];
}

export function pick(step: WizardStep): PickStep {
  assert.equal(step.kind, 'pick', `${step.id} is a pick step`);
  return step;
}

export function input(step: WizardStep): InputStep {
  assert.equal(step.kind, 'input', `${step.id} is an input step`);
  return step;
}

/**
 * Answers each step as given (by step id), accepting the default elsewhere, until `until` shows;
 * returns the steps seen as "N/TOTAL id". Spot prices come from a fixed quote.
 */
export function walk(wizard: ProfileWizard, answers: Partial<Record<WizardStep['id'], string | string[]>> = {}, until?: WizardStep['id']): string[] {
  const seen: string[] = [];
  while (!wizard.done && wizard.current.id !== until) {
    const query = wizard.priceQuery;
    if (query) wizard.setSpotQuote(query.key, { usdPerHour: 0.4012, instanceType: query.instanceTypes[0], region: query.regions[0], source: 'live' });
    const step = wizard.current;
    seen.push(`${step.step}/${step.totalSteps} ${step.id}`);
    const problem = wizard.answer(answers[step.id] ?? defaultAnswer(step));
    assert.equal(problem, undefined, `${step.id}: ${problem?.message}`);
  }
  return seen;
}
