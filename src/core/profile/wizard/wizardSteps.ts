import { IMAGE_ALIASES } from '../profileTypes';
import { profileFileText } from '../defaultProfile';
import { missingSessionNote, type ResumeNote } from '../resumeNote';
import { buildProfile } from './buildProfile';
import { gpuNeedOptions, instanceTypeOptions, usd } from './capacityOptions';
import { amiIdProblem, bucketProblem, profileFieldProblem } from './fieldCheck';
import { RESUME_STEPS } from './resumeSteps';
import { asError, error, list, text, type InputView, type StepDefinition, type StepState } from './stepDefinition';
import { maxPriceSuggestionFor, parsePrice, poolKey } from './wizardPricing';
import { AMI_CHOICE, TYPES_CHOICE, WRITE_CHOICE, type Validation, type WizardAnswers, type WizardContext, type WizardItem, type WizardStepId } from './wizardTypes';

export type { StepState } from './stepDefinition';

/** Steps of a profile without checkpoints; a checkpoint bucket adds the folder, the command and how it saves. */
const STEPS_WITHOUT_CHECKPOINTS = 9;
const STEPS_WITH_CHECKPOINTS = 12;

export function totalSteps(answers: WizardAnswers): number {
  return answers.checkpointBucket ? STEPS_WITH_CHECKPOINTS : STEPS_WITHOUT_CHECKPOINTS;
}

export const EDIT_PREFIX = 'edit:';
const GPU_DEFAULT = '1x A10G';
const IMAGE_DETAILS: Record<string, string> = {
  'dlami:pytorch': 'the newest AWS Deep Learning AMI with PyTorch (Ubuntu, NVIDIA drivers), in each region',
  'dlami:base': 'the newest AWS Deep Learning Base AMI (Ubuntu, NVIDIA drivers and CUDA only), in each region',
};

/** An input step whose value the profile parser checks, so the wizard refuses exactly what the file would. */
function checkedInput(field: 'name' | 'sshUser' | 'workspaceDir', key: 'name' | 'sshUser' | 'workspaceDir', number: number, next: WizardStepId, view: (state: StepState) => InputView): StepDefinition {
  const validate = (value: string): Validation | undefined => asError(profileFieldProblem(field, value.trim()));
  return {
    number,
    view: (state) => ({ ...view(state), validate }),
    accept: (value, state) => validate(text(value)) ?? { answers: { ...state.answers, [key]: text(value) } },
    next: () => next,
  };
}

export const STEPS: Record<WizardStepId, StepDefinition> = {
  name: checkedInput('name', 'name', 1, 'regions', ({ answers, context }) => ({
    kind: 'input',
    title: 'New launch profile: box name',
    prompt: 'Names the box and its key pair, security group and launch template: lower-case letters, digits and dashes.',
    value: answers.name ?? context.defaultName,
    placeholder: 'llama-ft',
  })),

  regions: {
    number: 2,
    view: ({ answers, context }) => {
      const chosen = new Set(answers.regions ?? startingRegions(context));
      return {
        kind: 'pick',
        title: 'New launch profile: regions',
        placeholder: 'Regions to launch in; the launch offers the cheapest first',
        canPickMany: true,
        items: context.knownRegions.map((region) => ({ id: region, label: region, description: context.catalogs.onDemand.regions[region]?.name, picked: chosen.has(region) })),
      };
    },
    accept: (value, { answers, context }) => {
      const regions = context.knownRegions.filter((region) => list(value).includes(region));
      return regions.length === 0 ? error('Pick at least one region.') : { answers: { ...answers, regions } };
    },
    next: () => 'capacity',
  },

  capacity: {
    number: 3,
    view: ({ answers, context }) => {
      const needs = gpuNeedOptions(context.catalogs, answers.regions ?? []);
      const active = [answers.capacity, GPU_DEFAULT].find((key) => key === TYPES_CHOICE || needs.some((need) => need.key === key)) ?? needs[0]?.key ?? TYPES_CHOICE;
      return {
        kind: 'pick',
        title: 'New launch profile: GPUs',
        placeholder: 'A GPU need (any instance type with at least that many), or exact instance types',
        canPickMany: false,
        activeId: active,
        items: [
          ...needs.map((need) => ({
            id: need.key,
            label: need.key,
            description: `from ${usd(need.cheapestOnDemand.usdPerHour)} on-demand (${need.cheapestOnDemand.instanceType}, ${need.cheapestOnDemand.region})`,
            detail: `${need.instanceTypes.length} type(s): ${need.instanceTypes.join(', ')}`,
          })),
          { id: TYPES_CHOICE, label: '$(list-selection) Exact instance types…', description: 'pick them from the catalog' },
        ],
      };
    },
    accept: (value, { answers, context }) => {
      const choice = text(value);
      if (choice !== TYPES_CHOICE && !gpuNeedOptions(context.catalogs, answers.regions ?? []).some((need) => need.key === choice)) {
        return error(`No instance type in ${(answers.regions ?? []).join(', ')} has ${choice}: pick another GPU need or go back and add a region.`);
      }
      return { answers: { ...answers, capacity: choice } };
    },
    next: (answers) => (answers.capacity === TYPES_CHOICE ? 'instanceTypes' : 'maxPrice'),
  },

  instanceTypes: {
    number: 3,
    view: ({ answers, context }) => {
      const options = instanceTypeOptions(context.catalogs, answers.regions ?? []);
      const chosen = new Set(answers.instanceTypes?.length ? answers.instanceTypes : options.slice(0, 1).map((option) => option.instanceType));
      const regions = answers.regions ?? [];
      return {
        kind: 'pick',
        title: 'New launch profile: instance types',
        placeholder: 'The fleet may use any of them; cheapest on-demand first',
        canPickMany: true,
        items: options.map((option) => ({
          id: option.instanceType,
          label: option.instanceType,
          description: `${option.gpu.count}x ${option.gpu.model} · ${option.gpu.memoryGiB} GiB · ${usd(option.cheapestOnDemand.usdPerHour)} on-demand (${option.cheapestOnDemand.region})`,
          ...(option.regions.length < regions.length ? { detail: `only in ${option.regions.join(', ')}` } : {}),
          picked: chosen.has(option.instanceType),
        })),
      };
    },
    accept: (value, { answers, context }) => {
      const offered = instanceTypeOptions(context.catalogs, answers.regions ?? []).map((option) => option.instanceType);
      const instanceTypes = offered.filter((type) => list(value).includes(type));
      return instanceTypes.length === 0 ? error('Pick at least one instance type.') : { answers: { ...answers, instanceTypes } };
    },
    next: () => 'maxPrice',
  },

  maxPrice: {
    number: 4,
    view: (state) => {
      const suggestion = maxPriceSuggestionFor(state.answers, state.context, state.spotQuote);
      const validate = (value: string): Validation | undefined => {
        const price = parsePrice(value);
        if (price === undefined) return error('Enter the most to pay in USD per hour, a number greater than 0, such as 1.5.');
        if (suggestion.cheapestSpot !== undefined && price < suggestion.cheapestSpot) {
          return { severity: 'warning', message: `Below the cheapest spot price (${usd(suggestion.cheapestSpot)}): launches are refused until spot gets cheaper.` };
        }
        return undefined;
      };
      return {
        kind: 'input',
        title: 'New launch profile: max price (USD per hour)',
        prompt: `A launch is refused, before anything is created, when spot costs more. Suggested: ${suggestion.basis}.`,
        value: String(state.answers.maxPrice !== undefined && state.answers.maxPriceFor === poolKey(state.answers, state.context) ? state.answers.maxPrice : suggestion.value),
        validate,
      };
    },
    accept: (value, { answers, context }) => {
      const price = parsePrice(text(value));
      return price === undefined ? error('Enter the most to pay in USD per hour, a number greater than 0, such as 1.5.') : { answers: { ...answers, maxPrice: price, maxPriceFor: poolKey(answers, context) } };
    },
    next: () => 'image',
  },

  image: {
    number: 5,
    view: ({ answers }) => ({
      kind: 'pick',
      title: 'New launch profile: image',
      placeholder: 'The machine image the box boots',
      canPickMany: false,
      activeId: answers.image ?? IMAGE_ALIASES[0],
      items: [
        ...IMAGE_ALIASES.map((alias) => ({ id: alias, label: alias, description: IMAGE_DETAILS[alias] })),
        { id: AMI_CHOICE, label: '$(edit) An AMI id…', description: answers.amiId ?? 'ami-…, of one region' },
      ],
    }),
    accept: (value, { answers }) => {
      const image = text(value);
      return image === AMI_CHOICE || (IMAGE_ALIASES as readonly string[]).includes(image) ? { answers: { ...answers, image } } : error(`Unknown image choice "${image}".`);
    },
    next: (answers) => (answers.image === AMI_CHOICE ? 'amiId' : 'sshUser'),
  },

  amiId: {
    number: 5,
    view: ({ answers }) => ({
      kind: 'input',
      title: 'New launch profile: AMI id',
      prompt: `An AMI id exists in one region only${(answers.regions?.length ?? 0) > 1 ? `: launches in the other regions of this profile (${answers.regions?.join(', ')}) will fail` : ''}.`,
      value: answers.amiId ?? '',
      placeholder: 'ami-0123456789abcdef0',
      validate: (value) => asError(amiIdProblem(value)),
    }),
    accept: (value, { answers }) => asError(amiIdProblem(text(value))) ?? { answers: { ...answers, amiId: text(value) } },
    next: () => 'sshUser',
  },

  sshUser: checkedInput('sshUser', 'sshUser', 6, 'workspaceDir', ({ answers }) => ({
    kind: 'input',
    title: 'New launch profile: SSH user',
    prompt: 'The user the image logs in as: ubuntu on the Deep Learning AMIs and other Ubuntu images, ec2-user on Amazon Linux.',
    value: answers.sshUser ?? 'ubuntu',
  })),

  workspaceDir: checkedInput('workspaceDir', 'workspaceDir', 7, 'checkpointBucket', ({ answers }) => ({
    kind: 'input',
    title: 'New launch profile: workspace folder on the box',
    prompt: 'Where your workspace goes on the box: an absolute path or one under ~.',
    value: answers.workspaceDir ?? '~/workspace',
  })),

  checkpointBucket: {
    number: 8,
    view: ({ answers }) => ({
      kind: 'input',
      title: 'New launch profile: checkpoint bucket (optional)',
      prompt: `An S3 bucket to save checkpoints to, under spotbox/${answers.name ?? 'name'}/, so that training resumes on a replacement box after a spot interruption — leave empty to skip (it can be added to the profile later).`,
      value: answers.checkpointBucket ?? '',
      placeholder: 'Empty: no checkpoints',
      validate: (value) => asError(bucketProblem(value)),
    }),
    accept: (value, { answers }) => asError(bucketProblem(text(value))) ?? { answers: { ...answers, checkpointBucket: text(value) } },
    next: (answers) => (answers.checkpointBucket ? 'checkpointDirectory' : 'review'),
  },

  ...RESUME_STEPS,

  review: {
    number: 'last',
    view: ({ answers }) => {
      const profile = buildProfile(answers);
      return {
        kind: 'pick',
        title: 'New launch profile: review .spotbox/profile.json',
        placeholder: 'Write the file, or pick a line to change it',
        canPickMany: false,
        activeId: WRITE_CHOICE,
        items: [
          { id: WRITE_CHOICE, label: '$(check) Write .spotbox/profile.json', detail: profileFileText(profile).replace(/\s+/g, ' ').trim() },
          ...noteItems(missingSessionNote(profile), 'sessionCommand'),
          // The lines of the file as written (a default cloud is not written), so each line shown is one to find there.
          ...Object.entries(JSON.parse(profileFileText(profile)) as Record<string, unknown>).map(([key, value]) => ({ id: `${EDIT_PREFIX}${STEP_OF_FIELD[key] ?? 'review'}`, label: `"${key}": ${JSON.stringify(value)}`, description: STEP_OF_FIELD[key] ? 'change' : 'edit later in the file' })),
        ],
      };
    },
    accept: (value, { answers }) => {
      const choice = text(value);
      if (choice === WRITE_CHOICE) return { answers, goto: 'done' };
      const step = choice.startsWith(EDIT_PREFIX) ? (choice.slice(EDIT_PREFIX.length) as WizardStepId) : undefined;
      return step && step in STEPS ? { answers, goto: step } : error(`Unknown review choice "${choice}".`);
    },
    next: () => 'done',
  },
};

/** Which step changes each field of the written profile; the rest are defaults to edit in the file. */
const STEP_OF_FIELD: Readonly<Record<string, WizardStepId>> = {
  name: 'name',
  regions: 'regions',
  gpu: 'capacity',
  gpus: 'capacity',
  instanceTypes: 'capacity',
  maxPrice: 'maxPrice',
  image: 'image',
  sshUser: 'sshUser',
  workspaceDir: 'workspaceDir',
  checkpoint: 'checkpointBucket',
  session: 'sessionCommand',
};

/** A warning line of the review, which opens the step that resolves it. */
function noteItems(note: ResumeNote | undefined, step: WizardStepId): WizardItem[] {
  return note ? [{ id: `${EDIT_PREFIX}${step}`, label: `$(warning) ${note.summary}`, description: 'add the command', detail: note.advice }] : [];
}

/** The settings' regions the catalog knows, or us-east-1: where a first box most likely goes. */
function startingRegions(context: WizardContext): readonly string[] {
  const known = context.defaultRegions.filter((region) => context.knownRegions.includes(region));
  return known.length > 0 ? known : context.knownRegions.filter((region) => region === 'us-east-1').slice(0, 1);
}
