/**
 * regionInstanceGroupManagers.insert's checks: names, the template reference, the group's zones
 * (in its region), the target shape against proactive redistribution, the flexibility policy's
 * machine types, and that some zone can hold the VM at all.
 */
import { GoogleApiError } from '../http/googleError';
import { machineTypeAnywhere, regionOf, ZONES, zonesIn } from './catalog';
import { validateName } from './insertValidation';
import type { InstanceTemplateRecord } from './instanceTemplates';
import { lastSegment } from './links';
import { machineTypesByRank, offered } from './migPlacement';
import type { InstanceSelection, TargetShape } from './migRecord';

export interface ValidatedMig {
  readonly name: string;
  readonly description: string;
  readonly baseInstanceName: string;
  readonly template: InstanceTemplateRecord;
  readonly targetSize: number;
  readonly zones: string[];
  readonly targetShape: TargetShape;
  readonly instanceSelections?: Record<string, InstanceSelection>;
  readonly updatePolicy: Record<string, unknown>;
  readonly listManagedInstancesResults: 'PAGELESS' | 'PAGINATED';
}

/** Up to this many VMs per regional group, as the regionInstanceGroupManagers.insert reference states. */
export const MAX_REGIONAL_GROUP_SIZE = 2000;

const SHAPES: readonly TargetShape[] = ['EVEN', 'BALANCED', 'ANY', 'ANY_SINGLE_ZONE'];
/** InstanceGroupManager.baseInstanceName's documented @pattern (a `-###` tail asks for sequential numbers). */
const BASE_INSTANCE_NAME = /^[a-z](?:[-a-z0-9]{0,57}|[-a-z0-9]{0,51}-#{1,10}(?:\[[0-9]{1,10}\])?)$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function validateMigInsert(
  body: Record<string, unknown>,
  context: { project: string; region: string; template: (name: string) => InstanceTemplateRecord },
): ValidatedMig {
  const name = validateName(body.name);
  // Without one, the base is a prefix of the group's name (gcloud's --base-instance-name help: "the prefix of instance group name").
  const baseInstanceName = body.baseInstanceName === undefined || body.baseInstanceName === '' ? name.slice(0, 58) : body.baseInstanceName;
  if (typeof baseInstanceName !== 'string' || !BASE_INSTANCE_NAME.test(baseInstanceName)) {
    throw GoogleApiError.invalidField('resource.baseInstanceName', baseInstanceName, `Must be a match of regex '${BASE_INSTANCE_NAME.source.slice(1, -1)}'`);
  }
  const template = context.template(templateName(body, context.project));

  const targetSize = body.targetSize;
  if (targetSize === undefined) {
    throw GoogleApiError.required('resource.targetSize');
  }
  if (typeof targetSize !== 'number' || !Number.isInteger(targetSize) || targetSize < 0 || targetSize > MAX_REGIONAL_GROUP_SIZE) {
    throw GoogleApiError.invalidField('resource.targetSize', targetSize, `Must be between 0 and ${MAX_REGIONAL_GROUP_SIZE}.`);
  }

  const policy = isObject(body.distributionPolicy) ? body.distributionPolicy : {};
  const zones = distributionZones(policy.zones, context.region);
  const targetShape = (policy.targetShape ?? 'EVEN') as TargetShape;
  if (!SHAPES.includes(targetShape)) {
    throw GoogleApiError.invalidField('resource.distributionPolicy.targetShape', targetShape, `Must be one of ${SHAPES.join(', ')}.`);
  }

  const update = isObject(body.updatePolicy) ? body.updatePolicy : {};
  const redistribution = update.instanceRedistributionType ?? 'PROACTIVE';
  if (redistribution !== 'PROACTIVE' && redistribution !== 'NONE') {
    throw GoogleApiError.invalidField('resource.updatePolicy.instanceRedistributionType', redistribution, 'Must be PROACTIVE or NONE.');
  }
  // Only EVEN is kept by proactive redistribution; the other shapes need it turned off.
  if (targetShape !== 'EVEN' && redistribution !== 'NONE') {
    throw GoogleApiError.invalidField(
      'resource.updatePolicy.instanceRedistributionType',
      redistribution,
      `Proactive instance redistribution is not supported with the ${targetShape} target distribution shape; set updatePolicy.instanceRedistributionType to NONE.`,
    );
  }

  const instanceSelections = validateSelections(body.instanceFlexibilityPolicy);
  const templateType = String(template.properties.machineType);
  const accelerators = (Array.isArray(template.properties.guestAccelerators) ? template.properties.guestAccelerators : [])
    .filter(isObject).map((accelerator) => String(accelerator.acceleratorType));
  const types = machineTypesByRank(instanceSelections, templateType);
  if (!zones.some((zone) => types.some((type) => offered(zone, type, accelerators)))) {
    throw GoogleApiError.invalidField('resource.distributionPolicy.zones', zones.join(','), `None of the group's zones offers machine type ${types.map((type) => `'${type}'`).join(' or ')} with the template's accelerators.`);
  }

  const listResults = body.listManagedInstancesResults ?? 'PAGELESS';
  if (listResults !== 'PAGELESS' && listResults !== 'PAGINATED') {
    throw GoogleApiError.invalidField('resource.listManagedInstancesResults', listResults, 'Must be PAGELESS or PAGINATED.');
  }
  return {
    name,
    description: typeof body.description === 'string' ? body.description : '',
    baseInstanceName,
    template,
    targetSize,
    zones,
    targetShape,
    ...(instanceSelections ? { instanceSelections } : {}),
    // maxSurge and maxUnavailable default to the number of zones (InstanceGroupManagerUpdatePolicy in the v1 reference).
    updatePolicy: {
      maxSurge: { fixed: zones.length, calculated: zones.length },
      maxUnavailable: { fixed: zones.length, calculated: zones.length },
      ...update,
      instanceRedistributionType: redistribution,
    },
    listManagedInstancesResults: listResults,
  };
}

/** The template name from `instanceTemplate` (or the single version's), as a full or partial URL. */
function templateName(body: Record<string, unknown>, project: string): string {
  const versions = Array.isArray(body.versions) ? body.versions.filter(isObject) : [];
  if (versions.length > 1) {
    throw GoogleApiError.invalidField('resource.versions', versions.length, 'The sandbox runs groups of one version.');
  }
  const link = body.instanceTemplate ?? versions[0]?.instanceTemplate;
  if (typeof link !== 'string' || link === '') {
    throw GoogleApiError.required('resource.instanceTemplate');
  }
  // A full URL names the API's host; through an endpoint override (gcloud's api_endpoint_overrides) that is the sandbox's.
  const match = /^(?:https?:\/\/[^/]+\/compute\/v1\/)?(?:projects\/([^/]+)\/)?global\/instanceTemplates\/([^/]+)$/.exec(link);
  if (!match) {
    throw GoogleApiError.invalidField('resource.instanceTemplate', link, 'The URL is malformed.');
  }
  if (match[1] !== undefined && match[1] !== project) {
    throw GoogleApiError.notFound(`projects/${match[1]}/global/instanceTemplates/${match[2]}`);
  }
  return match[2];
}

/** distributionPolicy.zones[].zone (full or partial URLs, all in the group's region); the region's zones when none are given. */
function distributionZones(raw: unknown, region: string): string[] {
  const entries = Array.isArray(raw) ? raw : [];
  if (entries.length === 0) {
    return zonesIn(region);
  }
  const zones: string[] = [];
  for (const [index, entry] of entries.entries()) {
    const field = `resource.distributionPolicy.zones[${index}].zone`;
    const link = isObject(entry) ? entry.zone : undefined;
    if (typeof link !== 'string' || link === '') {
      throw GoogleApiError.required(field);
    }
    const zone = lastSegment(link);
    if (!ZONES.includes(zone) || regionOf(zone) !== region) {
      throw GoogleApiError.invalidField(field, link, `Zone must be in region '${region}'.`);
    }
    if (!zones.includes(zone)) {
      zones.push(zone);
    }
  }
  return zones;
}

function validateSelections(raw: unknown): Record<string, InstanceSelection> | undefined {
  const policy = isObject(raw) ? raw : undefined;
  const selections = policy && isObject(policy.instanceSelections) ? policy.instanceSelections : undefined;
  if (!selections) {
    return undefined;
  }
  const result: Record<string, InstanceSelection> = {};
  for (const [name, selection] of Object.entries(selections)) {
    const field = `resource.instanceFlexibilityPolicy.instanceSelections[${name}]`;
    const types = isObject(selection) && Array.isArray(selection.machineTypes) ? selection.machineTypes : [];
    if (types.length === 0) {
      throw GoogleApiError.required(`${field}.machineTypes`);
    }
    for (const type of types) {
      // Full machine-type names, e.g. "n1-standard-16" (the field's documentation); no URLs.
      if (typeof type !== 'string' || type.includes('/') || !machineTypeAnywhere(type)) {
        throw GoogleApiError.invalidField(`${field}.machineTypes`, type, `Machine type with name '${String(type)}' does not exist.`);
      }
    }
    const rank = isObject(selection) ? selection.rank : undefined;
    if (rank !== undefined && (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 0)) {
      throw GoogleApiError.invalidField(`${field}.rank`, rank, 'Must be a non-negative integer.');
    }
    result[name] = { machineTypes: types as string[], ...(rank !== undefined ? { rank } : {}) };
  }
  return result;
}
