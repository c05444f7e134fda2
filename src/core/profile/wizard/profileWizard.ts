import type { SpotboxProfile } from '../profileTypes';
import { profileFileText } from '../defaultProfile';
import { buildProfile } from './buildProfile';
import { candidateTypes, poolKey } from './wizardPricing';
import { STEPS, totalSteps, type StepState } from './wizardSteps';
import { TYPES_CHOICE, type PriceQuery, type SpotQuote, type Validation, type WizardAnswers, type WizardContext, type WizardStep, type WizardStepId } from './wizardTypes';

/** Asked after a checkpoint bucket, also when it is changed from the review: each opens with its answer, so Enter keeps it. */
const FOLLOW_UPS_OF_BUCKET: ReadonlyArray<WizardStepId | 'done'> = ['checkpointDirectory', 'sessionCommand', 'saveSignal'];

/**
 * The launch-profile wizard as a state machine, with no editor in it: `current` describes the
 * step to show (every one with a default, so accepting straight away gives a working profile),
 * `answer` moves on or says why not, `back` returns to the previous step with its answer kept.
 * Steps changed from the review go back to the review afterwards.
 */
export class ProfileWizard {
  private answers: WizardAnswers = {};
  private readonly history: WizardStepId[] = ['name'];
  private readonly quotes = new Map<string, SpotQuote | undefined>();
  private returnToReview = false;
  private finished = false;

  constructor(private readonly context: WizardContext) {}

  get done(): boolean {
    return this.finished;
  }

  get current(): WizardStep {
    const id = this.currentId;
    const definition = STEPS[id];
    const total = totalSteps(this.answers);
    return { ...definition.view(this.state()), id, step: definition.number === 'last' ? total : definition.number, totalSteps: total, canGoBack: this.history.length > 1 };
  }

  /**
   * Before the max-price step: which pools the editor should price (live spot, cheapest), unless
   * it already did for these regions and types. Answer with setSpotQuote, even with undefined.
   */
  get priceQuery(): PriceQuery | undefined {
    if (this.currentId !== 'maxPrice') return undefined;
    const regions = this.answers.regions ?? [];
    const instanceTypes = candidateTypes(this.answers, this.context);
    const key = poolKey(this.answers, this.context);
    if (this.quotes.has(key) || instanceTypes.length === 0) return undefined;
    return { key, regions, instanceTypes, ...(this.answers.capacity !== TYPES_CHOICE && this.answers.capacity ? { gpu: this.answers.capacity } : {}) };
  }

  setSpotQuote(key: string, quote: SpotQuote | undefined): void {
    this.quotes.set(key, quote);
  }

  /** A pick step takes the chosen item ids, an input step the text. Resolves with an error, or undefined when accepted. */
  answer(value: string | readonly string[]): Validation | undefined {
    if (this.finished) return { severity: 'error', message: 'The wizard is finished.' };
    const id = this.currentId;
    const definition = STEPS[id];
    const result = definition.accept(value, this.state());
    if ('severity' in result) return result;
    this.answers = result.answers;
    let next = result.goto ?? definition.next(this.answers);
    if (id === 'review' && next !== 'done') {
      this.returnToReview = true;
    } else if (this.returnToReview) {
      next = this.nextWhenEditing(id, next);
    }
    if (next === 'review') this.returnToReview = false;
    if (next === 'done') {
      this.finished = true;
    } else {
      this.history.push(next);
    }
    return undefined;
  }

  back(): void {
    if (this.history.length > 1) this.history.pop();
    // Back from a step opened from the review leads to the review again.
    if (this.currentId === 'review') this.returnToReview = false;
  }

  /** The profile the answers make; only once done, or from the review on. */
  profile(): SpotboxProfile {
    return buildProfile(this.answers);
  }

  fileText(): string {
    return profileFileText(this.profile());
  }

  /**
   * After a change made from the review: a follow-up step still comes (types after "exact types",
   * the id after "an AMI id", the resume questions after a bucket), new regions are checked against
   * the GPU choice, and a new set of pools asks for the max price again; anything else goes
   * straight back to the review.
   */
  private nextWhenEditing(answered: WizardStepId, natural: WizardStepId | 'done'): WizardStepId | 'done' {
    if (natural === 'instanceTypes' || natural === 'amiId' || FOLLOW_UPS_OF_BUCKET.includes(natural)) return natural;
    if (answered === 'regions') return 'capacity';
    if ((answered === 'capacity' || answered === 'instanceTypes') && this.answers.maxPriceFor !== poolKey(this.answers, this.context)) return 'maxPrice';
    return 'review';
  }

  private get currentId(): WizardStepId {
    return this.history[this.history.length - 1];
  }

  private state(): StepState {
    const spotQuote = this.currentId === 'maxPrice' ? this.quotes.get(poolKey(this.answers, this.context)) : undefined;
    return { answers: this.answers, context: this.context, ...(spotQuote ? { spotQuote } : {}) };
  }
}
