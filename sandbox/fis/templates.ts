import { validation } from './fisErrors';
import { isoDurationSeconds } from './isoDuration';

export const SPOT_INTERRUPTION_ACTION = 'aws:ec2:send-spot-instance-interruptions';
export const SPOT_INSTANCE_RESOURCE = 'aws:ec2:spot-instance';
/** AWS allows up to 15 minutes; the sandbox also takes leads under AWS's 2-minute minimum, for quick tests. */
export const MAX_LEAD_SECONDS = 900;

export interface TargetSpec {
  readonly resourceType: string;
  readonly resourceArns?: string[];
  readonly resourceTags?: Record<string, string>;
  readonly filters?: Array<{ path: string; values: string[] }>;
  readonly selectionMode: string;
}

export interface ActionSpec {
  readonly actionId: string;
  readonly description?: string;
  readonly parameters: Record<string, string>;
  readonly targets: Record<string, string>;
}

export interface TemplateRecord {
  readonly id: string;
  readonly arn: string;
  readonly region: string;
  readonly description: string;
  readonly roleArn: string;
  readonly targets: Record<string, TargetSpec>;
  readonly actions: Record<string, ActionSpec>;
  readonly stopConditions: Array<{ source: string; value?: string }>;
  readonly tags: Record<string, string>;
  readonly creationTime: number;
}

export type TemplateInput = Omit<TemplateRecord, 'id' | 'arn' | 'region' | 'creationTime'>;

const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SELECTION_MODE = /^(ALL|COUNT\(\d+\)|PERCENT\(\d+\))$/;

/**
 * Checks a CreateExperimentTemplate body as FIS does, for the one action the sandbox runs:
 * aws:ec2:send-spot-instance-interruptions on aws:ec2:spot-instance targets. Anything else is a
 * ValidationException that names what is missing or unsupported.
 */
export function parseTemplateInput(body: Record<string, unknown>): TemplateInput {
  const description = requiredString(body, 'description');
  if (description.length > 512) throw validation('description must be at most 512 characters.');
  const roleArn = requiredString(body, 'roleArn');
  if (!ROLE_ARN.test(roleArn)) throw validation(`roleArn '${roleArn}' is not a valid IAM role ARN.`);
  const stopConditions = parseStopConditions(body.stopConditions);
  const targets = mapOf(body.targets ?? {}, 'targets', parseTarget);
  const actions = mapOf(body.actions, 'actions', (name, raw) => parseAction(name, raw, targets));
  if (Object.keys(actions).length === 0) throw validation('actions must name at least one action.');
  const tags = stringMap(body.tags ?? {}, 'tags');
  return { description, roleArn, stopConditions, targets, actions, tags };
}

/** Seconds from the action's start to the interruption. */
export function leadSecondsOf(action: ActionSpec): number {
  return isoDurationSeconds(action.parameters.durationBeforeInterruption ?? 'PT2M') ?? 120;
}

function parseStopConditions(raw: unknown): Array<{ source: string; value?: string }> {
  if (!Array.isArray(raw) || raw.length === 0) throw validation('stopConditions is required: use [{"source": "none"}] for none.');
  return raw.map((entry: unknown) => {
    const condition = object(entry, 'stopConditions[]');
    const source = requiredString(condition, 'source');
    if (source !== 'none') throw validation(`Stop condition source '${source}' is not supported by the Spotbox sandbox; use 'none'.`);
    return { source };
  });
}

function parseTarget(name: string, raw: unknown): TargetSpec {
  const target = object(raw, `targets.${name}`);
  const resourceType = requiredString(target, 'resourceType');
  const selectionMode = requiredString(target, 'selectionMode');
  if (!SELECTION_MODE.test(selectionMode)) throw validation(`targets.${name}.selectionMode '${selectionMode}' must be ALL, COUNT(n) or PERCENT(n).`);
  const resourceArns = target.resourceArns === undefined ? undefined : stringList(target.resourceArns, `targets.${name}.resourceArns`);
  const resourceTags = target.resourceTags === undefined ? undefined : stringMap(target.resourceTags, `targets.${name}.resourceTags`);
  if (!resourceArns?.length && !resourceTags) throw validation(`targets.${name} needs resourceArns or resourceTags.`);
  if (resourceArns?.length && resourceTags) throw validation(`targets.${name} takes resourceArns or resourceTags, not both.`);
  const filters =
    target.filters === undefined
      ? undefined
      : (Array.isArray(target.filters) ? target.filters : [undefined]).map((entry: unknown) => {
          const filter = object(entry, `targets.${name}.filters[]`);
          return { path: requiredString(filter, 'path'), values: stringList(filter.values, `targets.${name}.filters[].values`) };
        });
  return { resourceType, selectionMode, resourceArns, resourceTags, filters };
}

function parseAction(name: string, raw: unknown, targets: Record<string, TargetSpec>): ActionSpec {
  const action = object(raw, `actions.${name}`);
  const actionId = requiredString(action, 'actionId');
  if (actionId !== SPOT_INTERRUPTION_ACTION) {
    throw validation(`Action '${actionId}' is not supported by the Spotbox sandbox; it runs ${SPOT_INTERRUPTION_ACTION} only.`);
  }
  const parameters = stringMap(action.parameters ?? {}, `actions.${name}.parameters`);
  const duration = parameters.durationBeforeInterruption;
  if (duration !== undefined) {
    const seconds = isoDurationSeconds(duration);
    if (seconds === undefined) throw validation(`durationBeforeInterruption '${duration}' is not an ISO-8601 duration such as PT2M.`);
    if (seconds <= 0 || seconds > MAX_LEAD_SECONDS) throw validation(`durationBeforeInterruption must be more than 0 and at most 15 minutes (PT15M), not ${duration}.`);
  }
  const actionTargets = stringMap(action.targets ?? {}, `actions.${name}.targets`);
  const keys = Object.keys(actionTargets);
  if (keys.length !== 1 || keys[0] !== 'SpotInstances') throw validation(`actions.${name}.targets must be {"SpotInstances": <target name>} for ${SPOT_INTERRUPTION_ACTION}.`);
  const target = targets[actionTargets.SpotInstances];
  if (!target) throw validation(`actions.${name} refers to target '${actionTargets.SpotInstances}', which the template does not define.`);
  if (target.resourceType !== SPOT_INSTANCE_RESOURCE) {
    throw validation(`Target '${actionTargets.SpotInstances}' has resource type ${target.resourceType}; ${SPOT_INTERRUPTION_ACTION} needs ${SPOT_INSTANCE_RESOURCE}.`);
  }
  const description = action.description === undefined ? undefined : requiredString(action, 'description');
  return { actionId, description, parameters, targets: actionTargets };
}

function object(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw validation(`${what} must be an object.`);
  return raw as Record<string, unknown>;
}

function requiredString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw validation(`${key} is required (a non-empty string).`);
  return value;
}

function stringList(raw: unknown, what: string): string[] {
  if (!Array.isArray(raw) || raw.some((entry) => typeof entry !== 'string')) throw validation(`${what} must be a list of strings.`);
  return raw as string[];
}

function stringMap(raw: unknown, what: string): Record<string, string> {
  const map = object(raw, what);
  if (Object.values(map).some((value) => typeof value !== 'string')) throw validation(`${what} must map strings to strings.`);
  return map as Record<string, string>;
}

function mapOf<T>(raw: unknown, what: string, parse: (name: string, value: unknown) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(object(raw, what)).map(([name, value]) => [name, parse(name, value)]));
}
