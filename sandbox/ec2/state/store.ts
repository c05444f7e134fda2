import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BoxAddress, InstanceAction, InstanceLifecycle } from '../../contract';
import { writeFileAtomically } from '../../jsonStateFile';
import type { BlockDeviceMappingSpec } from '../instances/blockDevices';

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated';

export interface InstanceRecord {
  instanceId: string;
  reservationId: string;
  region: string;
  availabilityZone: string;
  instanceType: string;
  imageId: string;
  keyName?: string;
  securityGroupIds: string[];
  userDataBase64?: string;
  httpTokens: 'required' | 'optional';
  lifecycle: InstanceLifecycle;
  spotInstanceRequestId?: string;
  /** Effective spot max price (USD/h); the on-demand price when the caller gave none. */
  maxPrice?: number;
  launchIndex: number;
  launchTime: number;
  state: InstanceStateName;
  address?: BoxAddress;
  stateReason?: { code: string; message: string };
  stateTransitionReason?: string;
  terminatedAt?: number;
  instanceAction?: { action: InstanceAction; time: string };
  rebalanceNoticeTime?: string;
  interruptionCause?: 'price' | 'capacity';
  runningAt?: number;
  tags: Record<string, string>;
  /** The root (first) and any extra EBS volumes, built from the image and the block device mappings. */
  volumes?: VolumeRecord[];
}

export interface VolumeRecord {
  volumeId: string;
  deviceName: string;
  sizeGb: number;
  volumeType: string;
  encrypted: boolean;
  snapshotId?: string;
}

export interface KeyPairRecord {
  keyPairId: string;
  keyName: string;
  region: string;
  keyType: 'rsa' | 'ed25519';
  fingerprint: string;
  publicKey: string;
  createTime: number;
  tags: Record<string, string>;
}

export interface IpPermissionRecord {
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIps: Array<{ cidrIp: string; description?: string }>;
}

export interface SecurityGroupRecord {
  groupId: string;
  groupName: string;
  description: string;
  region: string;
  vpcId: string;
  ipPermissions: IpPermissionRecord[];
  tags: Record<string, string>;
}

export interface LaunchTemplateData {
  imageId?: string;
  instanceType?: string;
  keyName?: string;
  userData?: string;
  securityGroupIds: string[];
  securityGroupNames: string[];
  httpTokens?: 'required' | 'optional';
  marketType?: string;
  maxPrice?: string;
  availabilityZone?: string;
  tagSpecifications: Array<{ resourceType: string; tags: Record<string, string> }>;
  blockDeviceMappings?: BlockDeviceMappingSpec[];
}

export interface LaunchTemplateRecord {
  launchTemplateId: string;
  launchTemplateName: string;
  region: string;
  createTime: number;
  data: LaunchTemplateData;
  tags: Record<string, string>;
}

export interface SpotRequestRecord {
  spotInstanceRequestId: string;
  region: string;
  instanceId?: string;
  instanceType: string;
  availabilityZone: string;
  state: 'open' | 'active' | 'closed' | 'cancelled' | 'failed';
  statusCode: string;
  statusMessage: string;
  updateTime: number;
  createTime: number;
  maxPrice: string;
  tags: Record<string, string>;
}

export interface PriceSpikeRecord {
  region: string;
  availabilityZone?: string;
  instanceType: string;
  price: number;
  startsAt: number;
  endsAt?: number;
}

/** One LaunchTemplateConfigs entry of a fleet, with the template resolved to its id. */
export interface FleetConfigSpec {
  launchTemplateId: string;
  /** Set when the caller named the template: DescribeFleets echoes what was given. */
  launchTemplateName?: string;
  version: string;
  overrides: Array<{ instanceType?: string; availabilityZone?: string; subnetId?: string; maxPrice?: string; priority?: string }>;
}

export type FleetStateName = 'submitted' | 'active' | 'modifying' | 'deleted' | 'deleted_running' | 'deleted_terminating' | 'failed';

/** An EC2 Fleet of type maintain: the sandbox keeps its target capacity alive (fleets/engine.ts). */
export interface FleetRecord {
  fleetId: string;
  region: string;
  type: 'maintain';
  state: FleetStateName;
  activityStatus: 'fulfilled' | 'pending_fulfillment' | 'pending_termination' | 'error';
  createTime: number;
  target: { total: number; spot: number; onDemand: number; defaultType: 'spot' | 'on-demand' };
  spotAllocationStrategy: string;
  onDemandAllocationStrategy: string;
  capacityRebalance?: { replacementStrategy: 'launch' | 'launch-before-terminate'; terminationDelay?: number };
  excessCapacityTerminationPolicy: 'termination' | 'no-termination';
  replaceUnhealthyInstances: boolean;
  clientToken?: string;
  configs: FleetConfigSpec[];
  tags: Record<string, string>;
  /** Every instance the fleet launched, oldest first. */
  instanceIds: string[];
  /**
   * Instances that got a rebalance recommendation and no longer count toward the target:
   * launch-before-terminate ones are terminated at terminateAt (set once the replacement launched).
   */
  retiring: Record<string, { strategy: 'launch' | 'launch-before-terminate'; terminateAt?: number }>;
  /** The latest launch failures (DescribeFleets errorSet). */
  errors: Array<{ lifecycle: string; instanceType?: string; availabilityZone?: string; launchTemplateId: string; version: string; errorCode: string; errorMessage: string }>;
  /** DescribeFleetHistory, oldest first, capped (absent in state files written before it existed). */
  history?: FleetHistoryRecord[];
}

export interface FleetHistoryRecord {
  timestamp: number;
  eventType: 'fleet-change' | 'instance-change' | 'service-error';
  eventSubType: string;
  instanceId?: string;
  eventDescription?: string;
}

export interface Ec2State {
  version: 1;
  instances: Record<string, InstanceRecord>;
  keyPairs: KeyPairRecord[];
  securityGroups: SecurityGroupRecord[];
  launchTemplates: LaunchTemplateRecord[];
  spotRequests: SpotRequestRecord[];
  priceSpikes: PriceSpikeRecord[];
  fleets: FleetRecord[];
}

function emptyState(): Ec2State {
  return { version: 1, instances: {}, keyPairs: [], securityGroups: [], launchTemplates: [], spotRequests: [], priceSpikes: [], fleets: [] };
}

/** AWS-style ids: prefix and 17 hex digits. */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

/**
 * The whole emulator state in one JSON file. Writes go to a temp file that is renamed over
 * the old one, so a crash mid-write leaves the previous state rather than a torn file.
 */
export class Store {
  readonly state: Ec2State;

  constructor(private readonly file: string) {
    this.state = Store.read(file);
  }

  private static read(file: string): Ec2State {
    if (!fs.existsSync(file)) return emptyState();
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Ec2State>;
    return { ...emptyState(), ...parsed, version: 1 };
  }

  save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomically(this.file, JSON.stringify(this.state, null, 1));
  }

  instancesIn(region: string): InstanceRecord[] {
    return Object.values(this.state.instances)
      .filter((i) => i.region === region)
      .sort((a, b) => a.launchTime - b.launchTime || a.launchIndex - b.launchIndex || a.instanceId.localeCompare(b.instanceId));
  }
}
