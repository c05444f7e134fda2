import type { FleetFacts, HygieneCloud, TaggedResource } from '../../../src/core/hygiene/orphanTypes';

/** An error shaped like the SDK's: EC2's error code as its name. */
export function ec2Error(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export const HOUR = 3_600_000;
export const NOW = Date.UTC(2025, 5, 1, 12);

/** The owner id of the installation under test; OTHER_OWNER is a colleague's installation in the same account. */
export const OWNER = 'a11ce00000000001';
export const OTHER_OWNER = 'b0b0000000000002';

/** Tags of a resource made by one launch (session) of a box, as launchBox writes them. */
export function launchTags(session: string, box = 'llama', owner = OWNER): Record<string, string> {
  return { 'spotbox:box': box, 'spotbox:session': session, 'spotbox:managed': 'true', 'spotbox:owner': owner };
}

/** The four resources of one launch in one region, created an hour before NOW. */
export function launchResources(region: string, session: string, instanceState: string | undefined, createdAt = NOW - HOUR, owner = OWNER): TaggedResource[] {
  const tags = launchTags(session, 'llama', owner);
  const name = `spotbox-llama-${session.slice(0, 8)}`;
  return [
    ...(instanceState ? [{ kind: 'instance' as const, id: `i-${session.slice(0, 8)}`, region, tags, createdAt, state: instanceState }] : []),
    { kind: 'launch-template', id: `lt-${session.slice(0, 8)}`, name, region, tags, createdAt },
    { kind: 'key-pair', id: name, region, tags, createdAt: createdAt - 1000 },
    { kind: 'security-group', id: `sg-${session.slice(0, 8)}`, name, region, tags },
  ];
}

/** A maintain fleet of one launch (target 1), launching from lt-<session>; `facts` overrides its state. */
export function launchFleet(region: string, session: string, facts: Partial<FleetFacts> = {}, createdAt = NOW - HOUR, owner = OWNER): TaggedResource {
  return {
    kind: 'fleet',
    id: `fleet-${session.slice(0, 8)}`,
    region,
    tags: launchTags(session, 'llama', owner),
    createdAt,
    fleet: { state: 'active', activityStatus: 'fulfilled', targetCapacity: 1, errorCodes: [], launchTemplateExists: true, ...facts },
  };
}

/**
 * An in-memory cloud with EC2's rules that matter to a sweep: a terminated instance lingers as
 * shutting-down for a few polls, and a group cannot be deleted while one of its instances remains.
 */
export class FakeHygieneCloud implements HygieneCloud {
  readonly calls: string[] = [];
  readonly failListing = new Set<string>();
  readonly failDeleting = new Map<string, Error>();
  /** How many remainingInstances calls a terminated instance survives. */
  shutdownPolls = 2;
  private readonly shuttingDown = new Map<string, number>();

  constructor(public resources: TaggedResource[]) {
    for (const resource of resources) {
      if (resource.state === 'shutting-down') this.shuttingDown.set(resource.id, this.shutdownPolls);
    }
  }

  /** Returns every resource of the region, managed or not: the core must not count on the cloud's filter alone. */
  async listTagged(region: string): Promise<TaggedResource[]> {
    this.calls.push(`list ${region}`);
    if (this.failListing.has(region)) throw ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials');
    return this.resources.filter((resource) => resource.region === region);
  }

  /** Like DeleteFleets with TerminateInstances: the fleet goes, its instances (aws:ec2:fleet-id) start shutting down. */
  async deleteFleet(region: string, fleetId: string): Promise<void> {
    this.remove(region, 'fleet', fleetId, 'InvalidFleetId.NotFound');
    for (const instance of this.resources.filter((resource) => resource.region === region && resource.kind === 'instance' && resource.tags['aws:ec2:fleet-id'] === fleetId)) {
      this.update(region, instance.id, { state: 'shutting-down' });
      this.shuttingDown.set(instance.id, this.shutdownPolls);
    }
  }

  async terminateInstances(region: string, instanceIds: readonly string[]): Promise<void> {
    this.calls.push(`terminate ${region} ${instanceIds.join(',')}`);
    for (const id of instanceIds) this.throwIfFailing(id);
    for (const id of instanceIds) {
      if (!this.find(region, 'instance', id)) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    }
    for (const id of instanceIds) {
      this.update(region, id, { state: 'shutting-down' });
      this.shuttingDown.set(id, this.shutdownPolls);
    }
  }

  async remainingInstances(region: string, instanceIds: readonly string[]): Promise<string[]> {
    this.calls.push(`poll ${region}`);
    for (const id of instanceIds) this.tick(region, id);
    return instanceIds.filter((id) => this.find(region, 'instance', id));
  }

  /** Time passes for a shutting-down instance: after enough looks at it, it is gone. */
  private tick(region: string, id: string): void {
    const left = this.shuttingDown.get(id);
    if (left === undefined) return;
    if (left <= 0) {
      this.resources = this.resources.filter((resource) => !(resource.region === region && resource.id === id));
      this.shuttingDown.delete(id);
    } else {
      this.shuttingDown.set(id, left - 1);
    }
  }

  async deleteLaunchTemplate(region: string, id: string): Promise<void> {
    this.remove(region, 'launch-template', id, 'InvalidLaunchTemplateId.NotFound');
  }

  async deleteKeyPair(region: string, keyName: string): Promise<void> {
    // Like EC2: deleting a key pair that does not exist succeeds.
    this.calls.push(`delete key-pair ${region} ${keyName}`);
    this.throwIfFailing(keyName);
    this.resources = this.resources.filter((resource) => !(resource.region === region && resource.kind === 'key-pair' && resource.id === keyName));
  }

  async deleteSecurityGroup(region: string, id: string): Promise<void> {
    const group = this.find(region, 'security-group', id);
    const session = group?.tags['spotbox:session'];
    const users = this.resources.filter((resource) => resource.kind === 'instance' && resource.region === region && session !== undefined && resource.tags['spotbox:session'] === session);
    if (users.length > 0) {
      this.calls.push(`delete security-group ${region} ${id} (in use)`);
      for (const user of users) this.tick(region, user.id);
      throw ec2Error('DependencyViolation', `resource ${id} has a dependent object`);
    }
    this.remove(region, 'security-group', id, 'InvalidGroup.NotFound');
  }

  private remove(region: string, kind: TaggedResource['kind'], id: string, notFound: string): void {
    this.calls.push(`delete ${kind} ${region} ${id}`);
    this.throwIfFailing(id);
    if (!this.find(region, kind, id)) throw ec2Error(notFound);
    this.resources = this.resources.filter((resource) => !(resource.region === region && resource.kind === kind && resource.id === id));
  }

  private throwIfFailing(id: string): void {
    const error = this.failDeleting.get(id);
    if (error) throw error;
  }

  private find(region: string, kind: TaggedResource['kind'], id: string): TaggedResource | undefined {
    return this.resources.find((resource) => resource.region === region && resource.kind === kind && resource.id === id);
  }

  private update(region: string, id: string, change: Partial<TaggedResource>): void {
    this.resources = this.resources.map((resource) => (resource.region === region && resource.id === id ? { ...resource, ...change } : resource));
  }
}
