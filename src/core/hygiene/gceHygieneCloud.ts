import { promises as fs } from 'node:fs';
import { TAGS } from '../aws/spotboxTags';
import type { ComputeClient } from '../gcp/computeClient';
import { lastSegment, type Instance, type InstanceGroupManager, type InstanceTemplate } from '../gcp/computeTypes';
import { deleteBoxGroup, deleteBoxTemplate, groupOfInstance } from '../gcp/gceBoxGroup';
import { GcpApiError } from '../gcp/gcpApiError';
import { firewallOwnership } from '../gcp/gceFirewallRequest';
import { LABELS, labelFilter } from '../gcp/gceLabels';
import { deleteBoxFirewall, deleteInstanceAndWait } from '../gcp/gceSpotLaunch';
import { regionOfZone } from '../gcp/gceZones';
import { privateKeyPathFor } from '../ssh/privateKeyFile';
import { createdAtOf } from './createdAt';
import type { HygieneCloud, TaggedResource } from './orphanTypes';

/**
 * Compute Engine lists a project at once (instances over every zone, templates and firewall rules
 * are global), so the sweep reads it as one scope: every session's resources are judged together.
 */
export const GCE_SWEEP_SCOPE = 'global';

/** An instance's state in the sweep's (EC2's) words. */
const STATES: Readonly<Record<NonNullable<Instance['status']>, string>> = {
  PROVISIONING: 'pending',
  STAGING: 'pending',
  REPAIRING: 'pending',
  RUNNING: 'running',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  STOPPED: 'stopped',
  SUSPENDED: 'stopped',
  TERMINATED: 'stopped',
};

const DEADLINE_MS = 300_000;

/**
 * The sweep's view of Compute Engine, in the kinds the sweep already knows: a managed instance group
 * keeps a box as a maintain fleet does ('fleet'), an instance template is the launch template, a
 * box's firewall rule is its security group; the SSH key lives only in instance metadata and in the
 * local key file, which goes with the firewall rule (both are named after the launch). Labels are
 * read back as the tags they stand for. Groups and firewall rules take no labels: a group is
 * judged by its template's labels, a rule by the owner and session its description records.
 */
export function gceHygieneCloud(compute: () => Promise<ComputeClient>, keyDirectory: string): HygieneCloud {
  // Where each listed instance is: deletion needs its zone, the sweep knows its name.
  const zones = new Map<string, string>();
  return {
    async listTagged() {
      const client = await compute();
      const managed = labelFilter({ [LABELS.managed]: 'true' });
      const [{ instances }, templates, firewalls, regions] = await Promise.all([
        client.aggregatedListInstances(managed),
        client.listInstanceTemplates(),
        client.listFirewalls(),
        client.listZones().then((listed) => [...new Set(listed.map((zone) => lastSegment(zone.region) ?? regionOfZone(zone.name)))]),
      ]);
      const groups = (await Promise.all(regions.map(async (region) => (await client.listRegionInstanceGroupManagers(region)).map((group) => ({ region, group }))))).flat();
      const templateByName = new Map(templates.map((template) => [template.name, template]));
      const resources: TaggedResource[] = [];
      for (const instance of instances) {
        const zone = lastSegment(instance.zone) ?? '';
        zones.set(instance.name, zone);
        resources.push({ kind: 'instance', id: instance.name, region: regionOfZone(zone), tags: tagsOf(instance.labels), ...createdAtOf(instance.creationTimestamp), ...(instance.status ? { state: STATES[instance.status] } : {}) });
      }
      for (const { region, group } of groups) {
        const template = templateByName.get(lastSegment(group.instanceTemplate) ?? '');
        resources.push(groupResource(region, group, template));
      }
      for (const template of templates) {
        resources.push({ kind: 'launch-template', id: template.name, region: GCE_SWEEP_SCOPE, tags: tagsOf(template.properties?.labels), ...createdAtOf(template.creationTimestamp) });
      }
      for (const rule of firewalls) {
        const ownership = firewallOwnership(rule.description);
        if (!ownership || !rule.name.startsWith('spotbox-ssh-')) continue;
        resources.push({ kind: 'security-group', id: rule.name, region: GCE_SWEEP_SCOPE, tags: { [TAGS.managed]: 'true', [TAGS.owner]: ownership.owner, [TAGS.session]: ownership.session }, ...createdAtOf(rule.creationTimestamp) });
      }
      return resources;
    },

    async deleteFleet(region, name) {
      // The group deletes its VM with it; its template, rule and key are orphans of their own.
      await deleteBoxGroup(await compute(), region, name, { deadline: Date.now() + DEADLINE_MS });
    },

    async terminateInstances(_region, names) {
      const client = await compute();
      await Promise.all(
        names.map(async (name) => {
          const zone = zones.get(name);
          if (!zone) throw new Error(`${name} was not in the last listing; sweep again.`);
          const instance = await client.getInstance(zone, name);
          // A group's VM would only be recreated: its group is the orphan to delete.
          if (instance && groupOfInstance(instance.metadata?.items)) throw new Error(`${name} belongs to a managed instance group, which recreates it; delete the group.`);
          if (instance) await goneOn404(deleteInstanceAndWait(client, zone, name, { deadline: Date.now() + DEADLINE_MS }));
        }),
      );
    },

    async remainingInstances(_region, names) {
      const client = await compute();
      const left = await Promise.all(names.map(async (name) => (zones.has(name) && (await client.getInstance(zones.get(name)!, name)) ? name : undefined)));
      return left.filter((name): name is string => name !== undefined);
    },

    async deleteLaunchTemplate(_region, name) {
      await deleteBoxTemplate(await compute(), name, { deadline: Date.now() + DEADLINE_MS });
    },

    async deleteKeyPair() {
      // Compute Engine has no key pairs: the key is in the instance metadata, gone with the instance.
    },

    async deleteSecurityGroup(_region, name) {
      await deleteBoxFirewall(await compute(), name, { deadline: Date.now() + DEADLINE_MS });
      // The rule and the key are both named after the launch (gceLaunch.ts): the key is no use without its box.
      await fs.rm(privateKeyPathFor(keyDirectory, `spotbox-${name.replace(/^spotbox-ssh-/, '')}`), { force: true });
    },
  };
}

/** A group as a maintain fleet: it launches while its target is above 0 and its template exists. */
function groupResource(region: string, group: InstanceGroupManager, template: InstanceTemplate | undefined): TaggedResource {
  return {
    kind: 'fleet',
    id: group.name,
    name: group.name,
    region,
    tags: tagsOf(template?.properties?.labels),
    ...createdAtOf(group.creationTimestamp),
    fleet: { state: 'active', targetCapacity: group.targetSize, errorCodes: [], launchTemplateExists: template !== undefined },
  };
}

/** Labels back to the tag names the sweep's rules are written in (gceLabels.ts maps them one to one). */
function tagsOf(labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [name, key] of Object.entries(LABELS) as Array<[keyof typeof LABELS, string]>) {
    const value = labels?.[key];
    if (value !== undefined) tags[TAGS[name]] = value;
  }
  return tags;
}

async function goneOn404(call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof GcpApiError && error.httpStatus === 404)) throw error;
  }
}
