import type { InputStep, PickStep, SpotQuote, Validation, WizardAnswers, WizardContext, WizardStepId } from './wizardTypes';

export interface StepState {
  readonly answers: WizardAnswers;
  readonly context: WizardContext;
  readonly spotQuote?: SpotQuote;
}

type Common = 'id' | 'step' | 'totalSteps' | 'canGoBack';
export type StepView = Omit<PickStep, Common> | Omit<InputStep, Common>;
export type InputView = Omit<InputStep, Common | 'validate'>;

/** An accepted answer: the answers with it, and where to go when not the step's usual next. */
export interface Accepted {
  readonly answers: WizardAnswers;
  readonly goto?: WizardStepId | 'done';
}

export interface StepDefinition {
  /** Shown as "step N of totalSteps"; "last" for the review, whose number depends on the steps asked. */
  readonly number: number | 'last';
  view(state: StepState): StepView;
  accept(value: string | readonly string[], state: StepState): Accepted | Validation;
  next(answers: WizardAnswers): WizardStepId | 'done';
}

export const error = (message: string): Validation => ({ severity: 'error', message });
export const asError = (problem: string | undefined): Validation | undefined => (problem ? error(problem) : undefined);
export const text = (value: string | readonly string[]): string => (typeof value === 'string' ? value : (value[0] ?? '')).trim();
export const list = (value: string | readonly string[]): readonly string[] => (typeof value === 'string' ? [value] : value);
