import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { CLOUD_FACTS, CLOUDS, type CloudId } from '../cloud/clouds';
import { KNOWN_GPU_MODELS } from '../pricing/gpuNeed';
import { type CloudProfileRules, PROFILE_RULES } from './cloudRules';
import { ProfileText } from './profilePositions';
import {
  ALLOCATION_STRATEGIES,
  CHEAPER_BY_PERCENT_RANGE,
  type CheckpointSettings,
  type MoveAcrossClouds,
  type OtherCloud,
  GPUS_RANGE,
  PROFILE_DEFAULTS,
  REPLACEMENT_ENGINES,
  type ProfileParseResult,
  type ProfileProblem,
  type SessionSettings,
  type SpotboxProfile,
  VOLUME_GB_RANGE,
} from './profileTypes';

type Path = ReadonlyArray<string | number>;

// Patterns shared in spirit with resources/schemas/profile.schema.json (a unit test keeps them in step).
export const PROFILE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
// A word git clone takes as its URL: no spaces, and no leading dash that it could read as an option.
export const GIT_REMOTE = /^[^\s-]\S*$/;

export const TOP_KEYS = [
  '$schema', 'name', 'cloud', 'regions', 'instanceTypes', 'gpu', 'gpus', 'maxPrice', 'allocationStrategy', 'onDemandFallback',
  'image', 'volumeGb', 'sshUser', 'workspaceDir', 'idleStopMinutes', 'checkpoint', 'session', 'cloneFrom', 'replacement',
  'otherClouds', 'moveAcrossClouds',
];
const CHECKPOINT_KEYS = ['bucket', 'prefix', 'command', 'intervalMinutes', 'directory', 'signal', 'noticeSignal', 'instanceProfile'];
const SESSION_KEYS = ['command', 'workingDir', 'stepFile'];
const OTHER_CLOUD_KEYS = ['cloud', 'regions', 'instanceTypes', 'bucket', 'image', 'sshUser', 'maxPrice'];
const MOVE_KEYS = ['whenNoCapacity', 'cheaperByPercent'];
/** The clouds a session can move between in this version: from AWS's fleet, onto Google Cloud's group or Azure's scale set. */
const MOVES_FROM = ['aws'] as const;
const MOVES_TO = ['gcp', 'azure'] as const;
const SSH_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const SIGNALS = ['SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Parses `.spotbox/profile.json` (comments and trailing commas allowed). Every problem found is
 * reported with its position, not just the first, so the editor can mark them all at once; the
 * profile is returned only when there is none, so nothing can be launched from a bad file.
 */
export function parseProfile(text: string, fileName: string): ProfileParseResult {
  if (text.trim() === '') {
    return { problems: [{ message: `${fileName} is empty: it must hold a JSON object with name, regions and maxPrice`, path: [], line: 1, column: 1, offset: 0, length: 0 }], locate: new ProfileText(text, undefined).locate };
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const source = new ProfileText(text, root);
  const problems: ProfileProblem[] = errors.map((error) => ({
    message: `${fileName}: JSON syntax error: ${printParseErrorCode(error.error)}`,
    ...source.at([], error.offset, error.length),
  }));
  if (!root && problems.length === 0) problems.push({ message: `${fileName} holds no JSON value: it must hold an object with name, regions and maxPrice`, ...source.at([], 0, 0) });
  if (problems.length > 0 || !root) {
    return { problems, locate: source.locate };
  }
  const fields = new FieldReader(source);
  const profile = fields.profile(root);
  return { profile: fields.problems.length === 0 ? profile : undefined, problems: fields.problems, locate: source.locate };
}

/** Reads fields off the parse tree; each wrong value becomes a problem and reads as undefined. */
class FieldReader {
  readonly problems: ProfileProblem[] = [];

  constructor(private readonly source: ProfileText) {}

  profile(root: Node): SpotboxProfile | undefined {
    const top = this.object(root, [], TOP_KEYS, 'the profile');
    if (!top) return undefined;
    const get = (key: string): Node | undefined => top.get(key);
    const name = this.required(get('name'), ['name'], 'a box name such as "llama-train"', (node, path) =>
      this.string(node, path, PROFILE_NAME, 'lower-case letters, digits and dashes, 1 to 40 characters, not starting or ending with a dash'),
    );
    const cloud = this.optional(get('cloud'), ['cloud'], PROFILE_DEFAULTS.cloud, (node, path) => this.oneOf(node, path, CLOUDS));
    const rules = cloud === undefined ? undefined : PROFILE_RULES[cloud];
    // Without a known cloud the cloud-specific fields cannot be judged; they are checked once it is fixed.
    const regions = rules && this.required(get('regions'), ['regions'], `a list of ${CLOUD_FACTS[cloud!].label} regions such as ["${CLOUD_FACTS[cloud!].regionExample}"]`, (node, path) =>
      this.list(node, path, (item, itemPath) => this.string(item, itemPath, rules.region, rules.regionExpected)),
    );
    const instanceTypes = rules && get('instanceTypes') && this.list(get('instanceTypes')!, ['instanceTypes'], (item, itemPath) =>
      this.string(item, itemPath, rules.machineType, rules.machineTypeExpected),
    );
    const gpu = get('gpu') && this.oneOf(get('gpu')!, ['gpu'], KNOWN_GPU_MODELS);
    const gpus = get('gpus') && this.number(get('gpus')!, ['gpus'], { ...GPUS_RANGE, integer: true });
    this.checkCapacity(get);
    const maxPrice = this.required(get('maxPrice'), ['maxPrice'], 'the most you will pay per hour in USD, such as 4.5', (node, path) =>
      this.number(node, path, { exclusiveMin: 0 }),
    );
    const allocationStrategy = this.optional(get('allocationStrategy'), ['allocationStrategy'], PROFILE_DEFAULTS.allocationStrategy, (node, path) =>
      this.oneOf(node, path, ALLOCATION_STRATEGIES),
    );
    const onDemandFallback = this.optional(get('onDemandFallback'), ['onDemandFallback'], PROFILE_DEFAULTS.onDemandFallback, (node, path) => this.boolean(node, path));
    const image = rules && this.optional(get('image'), ['image'], rules.defaultImage, (node, path) => this.string(node, path, rules.image, rules.imageExpected));
    const volumeGb = this.optional(get('volumeGb'), ['volumeGb'], PROFILE_DEFAULTS.volumeGb, (node, path) => this.number(node, path, { ...VOLUME_GB_RANGE, integer: true }));
    const sshUser = this.optional(get('sshUser'), ['sshUser'], PROFILE_DEFAULTS.sshUser, (node, path) => this.string(node, path, SSH_USER, 'a Linux user name such as "ubuntu"'));
    const workspaceDir = this.optional(get('workspaceDir'), ['workspaceDir'], PROFILE_DEFAULTS.workspaceDir, (node, path) => this.string(node, path, /^(~|\/)/, 'an absolute path or one under ~, such as "~/workspace"'));
    const idleStopMinutes = this.optional(get('idleStopMinutes'), ['idleStopMinutes'], PROFILE_DEFAULTS.idleStopMinutes, (node, path) => this.number(node, path, { min: 0, integer: true }));
    const checkpoint = rules && get('checkpoint') && this.checkpoint(get('checkpoint')!, rules);
    const session = get('session') && this.session(get('session')!);
    const replacement = get('replacement') && this.oneOf(get('replacement')!, ['replacement'], REPLACEMENT_ENGINES);
    const cloneFrom = get('cloneFrom') && this.string(get('cloneFrom')!, ['cloneFrom'], GIT_REMOTE, 'a git remote URL such as "https://github.com/you/project.git" or "git@github.com:you/project.git"');
    const otherClouds = cloud !== undefined && get('otherClouds') ? this.otherClouds(get('otherClouds')!, cloud, { checkpoint: get('checkpoint') !== undefined, session: get('session') !== undefined }) : undefined;
    const moveAcrossClouds = get('moveAcrossClouds') && this.moveAcrossClouds(get('moveAcrossClouds')!, get('otherClouds') !== undefined);
    if (name === undefined || cloud === undefined || regions === undefined || maxPrice === undefined || allocationStrategy === undefined || onDemandFallback === undefined) return undefined;
    if (image === undefined || volumeGb === undefined || sshUser === undefined || workspaceDir === undefined || idleStopMinutes === undefined) return undefined;
    return {
      name, cloud, regions, maxPrice, allocationStrategy, onDemandFallback, image, volumeGb, sshUser, workspaceDir, idleStopMinutes,
      ...(instanceTypes ? { instanceTypes } : {}),
      ...(gpu !== undefined ? { gpu, gpus } : {}),
      ...(checkpoint ? { checkpoint } : {}),
      ...(session ? { session } : {}),
      ...(cloneFrom !== undefined ? { cloneFrom } : {}),
      ...(replacement !== undefined ? { replacement } : {}),
      ...(otherClouds ? { otherClouds, moveAcrossClouds: moveAcrossClouds ?? { whenNoCapacity: true } } : {}),
    };
  }

  /**
   * `otherClouds`: each entry in its own cloud's words (PROFILE_RULES), image and SSH user defaulting
   * to that cloud's. Only with a checkpoint (what moves) and a session (what resumes there).
   */
  private otherClouds(node: Node, home: CloudId, has: { checkpoint: boolean; session: boolean }): OtherCloud[] | undefined {
    const path = ['otherClouds'];
    if (!has.checkpoint || !has.session) {
      return this.report(path, node, `"otherClouds" needs a "checkpoint" block and a "session": the checkpoint is what moves to the other cloud and the session is what resumes there; add both, or remove "otherClouds"`);
    }
    if (!(MOVES_FROM as readonly string[]).includes(home)) {
      return this.report(path, node, `moving a session to another cloud starts from ${MOVES_FROM.map((id) => CLOUD_FACTS[id].label).join(' or ')} only in this version; remove "otherClouds" from this ${CLOUD_FACTS[home].label} profile`);
    }
    const entries = this.list(node, path, (item, itemPath) => this.otherCloud(item, itemPath, home));
    if (!entries) return undefined;
    entries.forEach((entry, index) => {
      if (entries.findIndex((other) => other.cloud === entry.cloud) !== index) this.report([...path, index, 'cloud'], undefined, `"${entry.cloud}" is named twice in "otherClouds": list all its regions in one entry`);
    });
    return entries;
  }

  private otherCloud(node: Node, path: Path, home: CloudId): OtherCloud | undefined {
    const fields = this.object(node, path, OTHER_CLOUD_KEYS, 'an "otherClouds" entry');
    if (!fields) return undefined;
    const cloud = this.required(fields.get('cloud'), [...path, 'cloud'], `the cloud to move to: ${MOVES_TO.join(', ')}`, (n, p) => this.oneOf(n, p, CLOUDS));
    if (cloud === undefined) return undefined;
    if (cloud === home) return this.report([...path, 'cloud'], fields.get('cloud'), `"${cloud}" is this profile's own cloud: "otherClouds" names where else the session may go; its own regions belong in "regions"`);
    if (!(MOVES_TO as readonly string[]).includes(cloud)) {
      return this.report([...path, 'cloud'], fields.get('cloud'), `moving a session to ${CLOUD_FACTS[cloud].label} is not supported yet; use ${MOVES_TO.map((id) => `"${id}"`).join(' or ')}`);
    }
    const rules = PROFILE_RULES[cloud];
    const regions = this.required(fields.get('regions'), [...path, 'regions'], `a list of ${CLOUD_FACTS[cloud].label} regions such as ["${CLOUD_FACTS[cloud].regionExample}"]`, (n, p) =>
      this.list(n, p, (item, itemPath) => this.string(item, itemPath, rules.region, rules.regionExpected)),
    );
    const instanceTypes = this.required(fields.get('instanceTypes'), [...path, 'instanceTypes'], `a list of ${CLOUD_FACTS[cloud].machineWord}s such as ["${CLOUD_FACTS[cloud].machineExample}"]`, (n, p) =>
      this.list(n, p, (item, itemPath) => this.string(item, itemPath, rules.machineType, rules.machineTypeExpected)),
    );
    const bucket = this.required(fields.get('bucket'), [...path, 'bucket'], `the checkpoint bucket there: ${rules.bucketExpected}`, (n, p) => this.string(n, p, rules.bucket, rules.bucketExpected));
    const image = this.optional(fields.get('image'), [...path, 'image'], rules.defaultImage, (n, p) => this.string(n, p, rules.image, rules.imageExpected));
    const sshUser = this.optional(fields.get('sshUser'), [...path, 'sshUser'], PROFILE_DEFAULTS.sshUser, (n, p) => this.string(n, p, SSH_USER, 'a Linux user name such as "ubuntu"'));
    const maxPrice = fields.get('maxPrice') && this.number(fields.get('maxPrice')!, [...path, 'maxPrice'], { exclusiveMin: 0 });
    if (regions === undefined || instanceTypes === undefined || bucket === undefined || image === undefined || sshUser === undefined) return undefined;
    return { cloud, regions, instanceTypes, bucket, image, sshUser, ...(maxPrice !== undefined ? { maxPrice } : {}) };
  }

  private moveAcrossClouds(node: Node, hasOtherClouds: boolean): MoveAcrossClouds | undefined {
    const path = ['moveAcrossClouds'];
    if (!hasOtherClouds) return this.report(path, node, '"moveAcrossClouds" needs "otherClouds": name the clouds the session may move to, or remove it');
    const fields = this.object(node, path, MOVE_KEYS, '"moveAcrossClouds"');
    if (!fields) return undefined;
    const whenNoCapacity = this.optional(fields.get('whenNoCapacity'), [...path, 'whenNoCapacity'], true, (n, p) => this.boolean(n, p));
    const cheaperNode = fields.get('cheaperByPercent');
    const cheaperByPercent = cheaperNode && this.cheaperByPercent(cheaperNode, [...path, 'cheaperByPercent']);
    if (whenNoCapacity === undefined || (cheaperNode && cheaperByPercent === undefined)) return undefined;
    return { whenNoCapacity, ...(cheaperByPercent !== undefined ? { cheaperByPercent } : {}) };
  }

  /** The margin a move for price needs, in percent of the expected cost here. */
  private cheaperByPercent(node: Node, path: Path): number | undefined {
    const { min, max } = CHEAPER_BY_PERCENT_RANGE;
    const value = node.value as unknown;
    if (node.type === 'number' && typeof value === 'number' && value >= min && value <= max) return value;
    return this.report(
      path,
      node,
      `"cheaperByPercent" must be a number from ${min} to ${max}: how many percent cheaper another cloud must be (expected cost of the job, the checkpoint's egress included) for the session to move there at a notice, such as 20; remove it to move only when there is no Spot capacity`,
    );
  }

  /** Exactly one way to say what to run on: explicit types, or a GPU need with its count. */
  private checkCapacity(get: (key: string) => Node | undefined): void {
    const hasTypes = get('instanceTypes') !== undefined;
    const hasGpu = get('gpu') !== undefined;
    if (hasTypes && (hasGpu || get('gpus'))) {
      this.report(['gpu'], hasGpu ? get('gpu') : get('gpus'), 'use either "instanceTypes" or "gpu" with "gpus", not both');
    } else if (!hasTypes && !hasGpu) {
      this.report(['instanceTypes'], undefined, `missing "instanceTypes" (such as ["g5.xlarge"]) or a GPU need ("gpu": one of ${KNOWN_GPU_MODELS.join(', ')}, with "gpus": a count)`);
    } else if (hasGpu && get('gpus') === undefined) {
      this.report(['gpus'], undefined, `missing "gpus": how many ${GPUS_RANGE.min} to ${GPUS_RANGE.max} GPUs the box needs`);
    }
  }

  private checkpoint(node: Node, rules: CloudProfileRules): CheckpointSettings | undefined {
    const fields = this.object(node, ['checkpoint'], CHECKPOINT_KEYS, '"checkpoint"');
    if (!fields) return undefined;
    const bucket = this.required(fields.get('bucket'), ['checkpoint', 'bucket'], rules.bucketExpected, (n, p) => this.string(n, p, rules.bucket, rules.bucketExpected));
    const prefix = this.required(fields.get('prefix'), ['checkpoint', 'prefix'], 'a key prefix such as "spotbox/llama/"', (n, p) => this.string(n, p, /^[^\s]*$/, 'an S3 key prefix without spaces'));
    const command = fields.get('command') && this.string(fields.get('command')!, ['checkpoint', 'command'], /\S/, 'a shell command');
    const intervalNode = fields.get('intervalMinutes');
    const intervalMinutes = intervalNode && (intervalNode.value === 'auto' ? ('auto' as const) : this.number(intervalNode, ['checkpoint', 'intervalMinutes'], { min: 1, integer: true }));
    const directory = fields.get('directory') && this.string(fields.get('directory')!, ['checkpoint', 'directory'], /^(~|\/)/, 'an absolute path or one under ~');
    const signal = fields.get('signal') && this.oneOf(fields.get('signal')!, ['checkpoint', 'signal'], SIGNALS);
    const noticeSignal = fields.get('noticeSignal') && this.oneOf(fields.get('noticeSignal')!, ['checkpoint', 'noticeSignal'], SIGNALS);
    const instanceProfile = fields.get('instanceProfile') && this.string(fields.get('instanceProfile')!, ['checkpoint', 'instanceProfile'], /^[\w+=,.@-]{1,128}$/, 'an IAM instance profile name');
    if (bucket === undefined || prefix === undefined) return undefined;
    return {
      bucket,
      prefix,
      ...(command !== undefined ? { command } : {}),
      ...(intervalMinutes !== undefined ? { intervalMinutes } : {}),
      ...(directory !== undefined ? { directory } : {}),
      ...(signal !== undefined ? { signal } : {}),
      ...(noticeSignal !== undefined ? { noticeSignal } : {}),
      ...(instanceProfile !== undefined ? { instanceProfile } : {}),
    };
  }

  private session(node: Node): SessionSettings | undefined {
    const fields = this.object(node, ['session'], SESSION_KEYS, '"session"');
    if (!fields) return undefined;
    const command = this.required(fields.get('command'), ['session', 'command'], 'the shell command to run and resume', (n, p) => this.string(n, p, /\S/, 'a shell command'));
    const workingDir = fields.get('workingDir') && this.string(fields.get('workingDir')!, ['session', 'workingDir'], /^(~|\/)/, 'an absolute path or one under ~');
    const stepFile = fields.get('stepFile') && this.string(fields.get('stepFile')!, ['session', 'stepFile'], /^(~|\/)/, 'an absolute path or one under ~');
    return command === undefined ? undefined : { command, ...(workingDir !== undefined ? { workingDir } : {}), ...(stepFile !== undefined ? { stepFile } : {}) };
  }

  private object(node: Node, path: Path, known: readonly string[], what: string): Map<string, Node> | undefined {
    if (node.type !== 'object') return this.report(path, node, `${what} must be a JSON object`);
    const fields = new Map<string, Node>();
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      const key = String(keyNode?.value);
      if (!known.includes(key)) this.report([...path, key], keyNode, `unknown field "${key}" in ${what}: allowed fields are ${known.filter((k) => k !== '$schema').join(', ')}`);
      else if (valueNode) fields.set(key, valueNode);
    }
    return fields;
  }

  private required<T>(node: Node | undefined, path: Path, expected: string, read: (node: Node, path: Path) => T | undefined): T | undefined {
    if (!node) return this.report(path, undefined, `missing "${path[path.length - 1]}": ${expected}`);
    return read(node, path);
  }

  private optional<T>(node: Node | undefined, path: Path, fallback: T, read: (node: Node, path: Path) => T | undefined): T | undefined {
    return node ? read(node, path) : fallback;
  }

  private string(node: Node, path: Path, rule: { test(value: string): boolean }, expected: string): string | undefined {
    if (node.type !== 'string') return this.report(path, node, `"${fieldName(path)}" must be a string: ${expected}`);
    const value = node.value as string;
    return rule.test(value) ? value : this.report(path, node, `"${value}" is not allowed for "${fieldName(path)}": expected ${expected}`);
  }

  private number(node: Node, path: Path, range: { min?: number; max?: number; exclusiveMin?: number; integer?: boolean }): number | undefined {
    const allowed = [
      range.integer ? 'a whole number' : 'a number',
      range.exclusiveMin !== undefined ? `greater than ${range.exclusiveMin}` : '',
      range.min !== undefined && range.max !== undefined ? `from ${range.min} to ${range.max}` : range.min !== undefined ? `of at least ${range.min}` : '',
    ].filter(Boolean).join(' ');
    if (node.type !== 'number') return this.report(path, node, `"${fieldName(path)}" must be ${allowed}`);
    const value = node.value as number;
    const ok = (!range.integer || Number.isInteger(value)) && (range.exclusiveMin === undefined || value > range.exclusiveMin) && (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
    return ok ? value : this.report(path, node, `${value} is not allowed for "${fieldName(path)}": it must be ${allowed}`);
  }

  private boolean(node: Node, path: Path): boolean | undefined {
    return node.type === 'boolean' ? (node.value as boolean) : this.report(path, node, `"${fieldName(path)}" must be true or false`);
  }

  private oneOf<T extends string>(node: Node, path: Path, allowed: readonly T[]): T | undefined {
    const value = node.type === 'string' ? (node.value as string) : undefined;
    // Exact spelling, as the schema's enum has it, so the editor and Spotbox never disagree.
    const match = allowed.find((candidate) => candidate === value);
    return match ?? this.report(path, node, `${value === undefined ? 'this value' : `"${value}"`} is not allowed for "${fieldName(path)}": use one of ${allowed.join(', ')}`);
  }

  private list<T>(node: Node, path: Path, item: (node: Node, path: Path) => T | undefined): T[] | undefined {
    if (node.type !== 'array' || (node.children ?? []).length === 0) return this.report(path, node, `"${fieldName(path)}" must be a non-empty list`);
    const items = (node.children ?? []).map((child, index) => item(child, [...path, index]));
    if (items.some((value) => value === undefined)) return undefined;
    const seen = new Set<T>();
    items.forEach((value, index) => {
      if (seen.has(value as T)) this.report([...path, index], node.children![index], `"${String(value)}" is listed twice in "${fieldName(path)}"`);
      seen.add(value as T);
    });
    return items as T[];
  }

  /** Records a problem at the node (or at the path's nearest existing parent) and reads as undefined. */
  private report(path: Path, node: Node | undefined, message: string): undefined {
    this.problems.push(node ? { message, ...this.source.node(path, node) } : this.source.problem(path, message));
    return undefined;
  }
}

function fieldName(path: Path): string {
  return path.filter((part) => typeof part === 'string').join('.');
}
