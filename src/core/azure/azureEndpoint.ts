import * as fs from 'node:fs';
import { endpointFor, type BoxEndpoint, type ResolveEndpointOptions } from '../attach/boxEndpoint';
import { TAGS } from '../aws/spotboxTags';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { parseHostKeyLine } from '../ssh/consoleHostKeys';
import { privateKeyPathFor } from '../ssh/privateKeyFile';
import { parseResourceId } from './armResourceId';
import type { AzureClients } from './azureClients';
import { launchRecordOf } from './azureLaunchRecord';
import { HOST_KEY_TAG } from './azureVmRequest';

/**
 * How to reach an Azure box: its public IP, the login user and key of its launch, and the host key
 * the launch made for it and installed through cloud-init, read back from the VM's (or its scale set's) tag in ARM (what
 * this installation wrote, not what the box says). No recorded key, no connection: never trust on
 * first use.
 */
export async function resolveAzureEndpoint(clients: AzureClients, box: Box, options: ResolveEndpointOptions): Promise<BoxEndpoint> {
  if (box.state !== 'running' && box.state !== 'interrupting') {
    throw new SpotboxError(`${box.name} is ${box.state}; only a running box can be attached.`, box.state === 'pending' ? 'Wait until the tree shows it running.' : 'Launch a new box.');
  }
  const id = parseResourceId(box.instanceId);
  if (!id) throw new SpotboxError(`${box.instanceId} is not an Azure VM id.`, 'Refresh the Spot Boxes view.');
  const vm = await clients.virtualMachines.get(id.resourceGroup, id.name, options.signal);
  if (!vm) throw new SpotboxError(`${box.name} is gone from Azure (evicted or deleted).`, 'Refresh the Spot Boxes view; a box whose profile resumes comes back as a new VM.');
  const { tags, launchName } = await launchRecordOf(clients, vm, options.signal);
  const hostKey = tags[HOST_KEY_TAG] ? parseHostKeyLine(tags[HOST_KEY_TAG]) : undefined;
  if (!hostKey) {
    throw new SpotboxError(`${box.name} has no host key recorded by Spotbox (tag ${HOST_KEY_TAG}), so its identity cannot be verified.`, 'Spotbox attaches only to Azure boxes it launched; launch one with Spotbox: Launch a Spot Box.');
  }
  if (!box.publicIp) throw new SpotboxError(`${box.name} has no public IP address yet.`, 'Wait until the tree shows its address.');
  const keyFile = `spotbox-${launchName}`;
  const privateKeyPath = privateKeyPathFor(options.keyDirectory, keyFile);
  if (!fs.existsSync(privateKeyPath)) {
    throw new SpotboxError(
      `The private key of ${box.name} is not on this machine: it was launched from another computer or the key was deleted.`,
      `Copy ${keyFile}.pem into ${options.keyDirectory} (mode 0600), or launch a new box from here.`,
    );
  }
  const sshUser = tags[TAGS.sshUser] ?? vm.properties.osProfile?.adminUsername;
  return endpointFor({ ...box, ...(sshUser ? { sshUser } : {}) }, { host: box.publicIp, privateKeyPath, hostKeys: [hostKey], defaultUser: options.defaultUser });
}
