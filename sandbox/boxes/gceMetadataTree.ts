/**
 * The content of a Compute Engine box's metadata server as a tree: directories are objects,
 * values are strings, as `computeMetadata/v1/` lists and serves them. Kept apart from the HTTP
 * server so the paths can be read (and tested) in one place.
 */
import type { BoxSpec, GceMetadataView } from '../contract';

export type MetadataTree = { readonly [name: string]: MetadataTree | string };

/** Child directories whose own keys are user data (attribute names), never camel-cased in recursive JSON. */
const VERBATIM_CHILDREN = new Set(['attributes']);

export function gceMetadataTree(spec: BoxSpec, ip: string, hostname: string, view: GceMetadataView): MetadataTree {
  const gce = spec.gce;
  if (!gce) {
    throw new Error(`${spec.instanceId} is not a Compute Engine box`);
  }
  const account = gce.serviceAccount;
  const accountTree: MetadataTree | undefined = account && {
    aliases: 'default',
    email: account.email,
    scopes: account.scopes.join('\n') + '\n',
  };
  const spot = spec.lifecycle === 'spot';
  return {
    instance: {
      attributes: { ...view.attributes },
      'cpu-platform': 'Intel Cascade Lake',
      description: '',
      hostname,
      id: gce.numericId,
      image: spec.amiId,
      'machine-type': `projects/${gce.projectNumber}/machineTypes/${gce.machineType}`,
      'maintenance-event': view.maintenanceEvent,
      name: gce.instanceName,
      'network-interfaces': {
        '0': {
          'access-configs': { '0': { 'external-ip': ip, type: 'ONE_TO_ONE_NAT' } },
          gateway: '10.128.0.1',
          ip,
          mac: '42:01:0a:80:00:02',
          network: `projects/${gce.projectNumber}/networks/default`,
          subnetmask: '255.255.240.0',
        },
      },
      preempted: view.preempted ? 'TRUE' : 'FALSE',
      scheduling: {
        'automatic-restart': 'FALSE',
        'on-host-maintenance': 'TERMINATE',
        preemptible: spot ? 'TRUE' : 'FALSE',
        'provisioning-model': spot ? 'SPOT' : 'STANDARD',
      },
      ...(account && accountTree ? { 'service-accounts': { default: accountTree, [account.email]: accountTree } } : {}),
      tags: '[]',
      zone: `projects/${gce.projectNumber}/zones/${gce.zone}`,
    },
    project: {
      attributes: { ...view.projectAttributes },
      'numeric-project-id': gce.projectNumber,
      'project-id': gce.project,
    },
  };
}

/** Looks a slash path up in the tree ('' is the root). */
export function lookUp(tree: MetadataTree, path: string): MetadataTree | string | undefined {
  let node: MetadataTree | string = tree;
  for (const part of path.split('/').filter((p) => p !== '')) {
    if (typeof node === 'string' || !Object.hasOwn(node, part)) {
      return undefined;
    }
    node = node[part];
  }
  return node;
}

/** A directory as the server lists it: one child a line, directories with a trailing '/'. */
export function listing(dir: MetadataTree): string {
  return Object.keys(dir)
    .sort()
    .map((name) => (typeof dir[name] === 'string' ? name : `${name}/`))
    .join('\n') + '\n';
}

/**
 * `?recursive=true`: the subtree as JSON the way the server renders it: names camel-cased
 * (`machine-type` -> `machineType`) except attribute names, numbered directories
 * (`network-interfaces/0/`) as arrays, `scopes` as a list.
 */
export function recursiveJson(node: MetadataTree | string, verbatim = false): unknown {
  if (typeof node === 'string') {
    return node;
  }
  const names = Object.keys(node);
  if (!verbatim && names.length > 0 && names.every((name) => /^\d+$/.test(name))) {
    return names.sort((a, b) => Number(a) - Number(b)).map((name) => recursiveJson(node[name]));
  }
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(node)) {
    const key = verbatim ? name : name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (!verbatim && name === 'scopes' && typeof child === 'string') {
      out[key] = child.split('\n').filter((scope) => scope !== '');
    } else {
      out[key] = typeof child === 'string' ? child : recursiveJson(child, VERBATIM_CHILDREN.has(name));
    }
  }
  return out;
}
