/**
 * instances.insert's checks, in the order and words Compute Engine answers them: name, machine
 * type in the zone, boot disk, network, GPUs (attached by a2/g2 types or n1's guestAccelerators)
 * that forbid live migration, and the Spot scheduling rules. An instance template's properties get
 * the same checks except those that need a zone: there the machine type and accelerators are bare
 * names, checked against the whole catalog.
 */
import { GoogleApiError } from '../http/googleError';
import { scalarText } from '../http/googleHttp';
import { acceleratorAnywhere, acceleratorOffered, machineType, machineTypeAnywhere, type AcceleratorSpec, type MachineTypeSpec } from './catalog';
import type { MetadataItem, SchedulingSettings } from './instanceRecord';
import { lastSegment } from './links';

/** Everything an instance or an instance template's properties say about the VM, checked. */
export interface ValidatedProperties {
  readonly machineType: MachineTypeSpec;
  readonly description: string;
  readonly labels: Record<string, string>;
  readonly tags: string[];
  readonly metadataItems: MetadataItem[];
  readonly scheduling: SchedulingSettings;
  readonly guestAccelerators: Array<{ acceleratorType: string; acceleratorCount: number }>;
  readonly disks: Array<Record<string, unknown>>;
  readonly sourceImage: string;
  readonly serviceAccount?: { email: string; scopes: string[] };
  /** GPUs by accelerator name, for quota checks. */
  readonly gpus: ReadonlyArray<{ type: string; count: number }>;
}

export interface ValidatedInsert extends ValidatedProperties {
  readonly name: string;
}

/** How machine types and accelerators are resolved: in one zone (instances) or anywhere (templates). */
interface PropertyRules {
  /** The field path errors name: `resource` or `resource.properties`. */
  readonly field: string;
  machineType(value: string): MachineTypeSpec;
  accelerator(value: string, field: string): AcceleratorSpec;
}

const NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A resource name (instances, templates, groups): required, RFC 1035, as Compute words it. */
export function validateName(name: unknown, field = 'resource.name'): string {
  if (typeof name !== 'string' || name === '') {
    throw GoogleApiError.required(field);
  }
  if (!NAME.test(name)) {
    throw GoogleApiError.invalidField(field, name, "Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'");
  }
  return name;
}

export function validateInsert(body: Record<string, unknown>, zone: string): ValidatedInsert {
  const name = validateName(body.name);
  return { name, ...validateProperties(body, zoneRules(zone)) };
}

/** An instance template's `properties` (machine type, accelerators and disk types are bare names there). */
export function validateTemplateProperties(properties: Record<string, unknown>): ValidatedProperties {
  return validateProperties(properties, TEMPLATE_RULES);
}

function zoneRules(zone: string): PropertyRules {
  return {
    field: 'resource',
    machineType(typeLink) {
      const typeZone = /zones\/([^/]+)\/machineTypes\//.exec(typeLink)?.[1];
      if (!typeLink.includes('machineTypes/') || (typeZone !== undefined && typeZone !== zone)) {
        throw GoogleApiError.invalidField('resource.machineType', typeLink, 'Must be a URL to a valid Compute resource of the correct type.');
      }
      const type = machineType(zone, lastSegment(typeLink));
      if (!type) {
        throw GoogleApiError.invalidField('resource.machineType', typeLink, `Machine type with name '${lastSegment(typeLink)}' does not exist in zone '${zone}'.`);
      }
      return type;
    },
    accelerator(link, field) {
      const offered = acceleratorOffered(zone, lastSegment(link));
      if (!offered) {
        throw GoogleApiError.invalidField(field, link, `Accelerator type '${lastSegment(link)}' does not exist in zone '${zone}'.`);
      }
      return offered;
    },
  };
}

const TEMPLATE_RULES: PropertyRules = {
  field: 'resource.properties',
  machineType(name) {
    const type = machineTypeAnywhere(name);
    if (!type) {
      throw GoogleApiError.invalidField('resource.properties.machineType', name, `Machine type with name '${name}' does not exist.`);
    }
    return type;
  },
  accelerator(name, field) {
    const accelerator = acceleratorAnywhere(name);
    if (!accelerator) {
      throw GoogleApiError.invalidField(field, name, `Accelerator type '${name}' does not exist.`);
    }
    return accelerator;
  },
};

function validateProperties(body: Record<string, unknown>, rules: PropertyRules): ValidatedProperties {
  const field = rules.field;
  const typeValue = body.machineType;
  if (typeof typeValue !== 'string' || typeValue === '') {
    throw GoogleApiError.required(`${field}.machineType`);
  }
  const type = rules.machineType(typeValue);

  const disks = Array.isArray(body.disks) ? body.disks.filter(isObject) : [];
  const boot = disks.find((disk) => disk.boot === true) ?? disks[0];
  const initialize = boot && isObject(boot.initializeParams) ? boot.initializeParams : undefined;
  const sourceImage = typeof initialize?.sourceImage === 'string' ? initialize.sourceImage : typeof boot?.source === 'string' ? boot.source : undefined;
  if (!boot || !sourceImage) {
    throw GoogleApiError.invalidField(`${field}.disks`, '', 'Boot disk must be specified.');
  }
  if (!Array.isArray(body.networkInterfaces) || body.networkInterfaces.length === 0) {
    throw GoogleApiError.invalidField(`${field}.networkInterfaces`, '', 'At least one network interface is required.');
  }

  const labels: Record<string, string> = {};
  if (body.labels !== undefined) {
    if (!isObject(body.labels)) {
      throw GoogleApiError.invalidField(`${field}.labels`, body.labels, 'Labels must be a map of strings.');
    }
    for (const [key, value] of Object.entries(body.labels)) {
      if (!LABEL_KEY.test(key) || typeof value !== 'string' || !LABEL_VALUE.test(value)) {
        throw GoogleApiError.invalidField(`${field}.labels.${key}`, value, 'Label keys and values must match [a-z][a-z0-9_-]{0,62} and [a-z0-9_-]{0,63}.');
      }
      labels[key] = value;
    }
  }

  const guestAccelerators = (Array.isArray(body.guestAccelerators) ? body.guestAccelerators.filter(isObject) : []).map((accelerator, index) => {
    const link = typeof accelerator.acceleratorType === 'string' ? accelerator.acceleratorType : '';
    const count = Number(accelerator.acceleratorCount ?? 1);
    const offered = rules.accelerator(link, `${field}.guestAccelerators[${index}].acceleratorType`);
    if (!Number.isInteger(count) || count < 1 || count > offered.maximumCardsPerInstance) {
      throw GoogleApiError.invalidField(`${field}.guestAccelerators[${index}].acceleratorCount`, count, `Must be between 1 and ${offered.maximumCardsPerInstance}.`);
    }
    return { acceleratorType: link, acceleratorCount: count };
  });
  if (guestAccelerators.length > 0 && type.accelerators.length > 0) {
    throw GoogleApiError.invalidField(`${field}.guestAccelerators`, '', `Machine type '${type.name}' comes with its own accelerators; guestAccelerators cannot be added to it.`);
  }
  const gpus = [
    ...type.accelerators.map((a) => ({ type: a.guestAcceleratorType, count: a.guestAcceleratorCount })),
    ...guestAccelerators.map((a) => ({ type: lastSegment(a.acceleratorType), count: a.acceleratorCount })),
  ];

  const scheduling = validateScheduling(isObject(body.scheduling) ? body.scheduling : {}, gpus.length > 0, `${field}.scheduling`);

  const metadataItems: MetadataItem[] = [];
  const metadata = isObject(body.metadata) ? body.metadata : {};
  for (const item of Array.isArray(metadata.items) ? metadata.items.filter(isObject) : []) {
    if (typeof item.key !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(item.key)) {
      throw GoogleApiError.invalidField(`${field}.metadata.items.key`, item.key, "Must be a match of regex '[a-zA-Z0-9-_]{1,128}'");
    }
    if (metadataItems.some((existing) => existing.key === item.key)) {
      throw GoogleApiError.invalidField(`${field}.metadata`, item.key, `Duplicate metadata key '${item.key}'.`);
    }
    metadataItems.push({ key: item.key, value: scalarText(item.value) });
  }

  const accounts = Array.isArray(body.serviceAccounts) ? body.serviceAccounts.filter(isObject) : [];
  const account = accounts[0];
  const tags = isObject(body.tags) && Array.isArray(body.tags.items) ? body.tags.items.filter((tag): tag is string => typeof tag === 'string') : [];
  return {
    machineType: type,
    description: typeof body.description === 'string' ? body.description : '',
    labels,
    tags,
    metadataItems,
    scheduling,
    guestAccelerators,
    disks,
    sourceImage,
    serviceAccount: account && typeof account.email === 'string'
      ? { email: account.email, scopes: Array.isArray(account.scopes) ? account.scopes.filter((scope): scope is string => typeof scope === 'string') : [] }
      : undefined,
    gpus,
  };
}

function validateScheduling(raw: Record<string, unknown>, hasGpus: boolean, field: string): SchedulingSettings {
  const model = raw.provisioningModel ?? (raw.preemptible === true ? 'SPOT' : 'STANDARD');
  if (model !== 'SPOT' && model !== 'STANDARD') {
    throw GoogleApiError.invalidField(`${field}.provisioningModel`, model, 'Must be SPOT or STANDARD.');
  }
  const spot = model === 'SPOT';
  if (raw.preemptible === true && !spot) {
    throw GoogleApiError.invalidField(`${field}.preemptible`, 'true', 'A preemptible VM must use the SPOT provisioning model.');
  }
  const automaticRestart = raw.automaticRestart === undefined ? !spot : raw.automaticRestart === true;
  if (spot && automaticRestart) {
    throw GoogleApiError.invalidField(`${field}.automaticRestart`, 'true', 'Preemptible instances cannot be automatically restarted.');
  }
  const onHostMaintenance = raw.onHostMaintenance ?? (spot ? 'TERMINATE' : 'MIGRATE');
  if (onHostMaintenance !== 'TERMINATE' && onHostMaintenance !== 'MIGRATE') {
    throw GoogleApiError.invalidField(`${field}.onHostMaintenance`, onHostMaintenance, 'Must be MIGRATE or TERMINATE.');
  }
  if (spot && onHostMaintenance !== 'TERMINATE') {
    throw GoogleApiError.invalidField(`${field}.onHostMaintenance`, onHostMaintenance, 'Scheduling must have preemptible be false when OnHostMaintenance isn\'t TERMINATE.');
  }
  if (hasGpus && onHostMaintenance !== 'TERMINATE') {
    throw new GoogleApiError(400, 'Instances with guest accelerators do not support live migration.', 'badRequest');
  }
  const action = raw.instanceTerminationAction;
  if (action !== undefined && action !== 'STOP' && action !== 'DELETE') {
    throw GoogleApiError.invalidField(`${field}.instanceTerminationAction`, action, 'Must be STOP or DELETE.');
  }
  if (action !== undefined && !spot) {
    throw GoogleApiError.invalidField(`${field}.instanceTerminationAction`, action, 'instanceTerminationAction is only allowed with the SPOT provisioning model.');
  }
  let preemptionNoticeSeconds: number | undefined;
  if (raw.preemptionNoticeDuration !== undefined) {
    const seconds = isObject(raw.preemptionNoticeDuration) ? Number(raw.preemptionNoticeDuration.seconds) : NaN;
    if (!spot || !Number.isInteger(seconds) || seconds < 0 || seconds > 120) {
      throw GoogleApiError.invalidField(`${field}.preemptionNoticeDuration`, raw.preemptionNoticeDuration, 'Must be between 0 and 120 seconds, on a SPOT VM.');
    }
    preemptionNoticeSeconds = seconds;
  }
  return {
    provisioningModel: spot ? 'SPOT' : 'STANDARD',
    preemptible: spot,
    automaticRestart,
    onHostMaintenance,
    ...(spot ? { instanceTerminationAction: action ?? 'STOP' } : {}),
    ...(preemptionNoticeSeconds !== undefined ? { preemptionNoticeSeconds } : {}),
  };
}
