import { isIP } from 'node:net';
import type { FirewallRule } from './computeTypes';
import { boxNetworkTag } from './gceInstanceRequest';
import { labelValue } from './gceLabels';

export interface BoxFirewallSpec {
  readonly boxName: string;
  /** The caller's public address (IPv4 or IPv6), as a check such as checkip reports it. */
  readonly callerIp: string;
  /** Default `global/networks/default`. */
  readonly network?: string;
  /** Default 22; the sandbox's boxes listen elsewhere. */
  readonly port?: number;
  /**
   * Written into the description: firewall rules take no labels, and the sweep needs to know whose
   * rule it is and of which launch (firewallOwnership).
   */
  readonly owner?: string;
  readonly session?: string;
}

const OWNERSHIP = /\[spotbox-owner=([a-z0-9_-]{1,63}) spotbox-session=([a-z0-9_-]{1,63})\]$/;

/** The owner and session a Spotbox rule's description records, as label values; none for another description. */
export function firewallOwnership(description: string | undefined): { owner: string; session: string } | undefined {
  const match = description ? OWNERSHIP.exec(description) : null;
  return match ? { owner: match[1], session: match[2] } : undefined;
}

/** The per-box rule's name: one rule per box, deleted with it. */
export function boxFirewallName(boxName: string): string {
  return `spotbox-ssh-${boxName}`.slice(0, 63).replace(/-+$/, '');
}

/** `firewalls.insert` body: tcp:22 into the box's network tag, from the caller's one address only. */
export function buildBoxFirewall(spec: BoxFirewallSpec): FirewallRule {
  const ip = spec.callerIp.trim();
  const family = isIP(ip);
  if (family === 0) throw new Error(`"${spec.callerIp}" is not an IP address; the SSH rule admits one address only.`);
  const port = spec.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${port} is not a TCP port.`);
  return {
    name: boxFirewallName(spec.boxName),
    description: `Spotbox: SSH to ${spec.boxName} from the launching machine only.${spec.owner && spec.session ? ` [spotbox-owner=${labelValue(spec.owner)} spotbox-session=${labelValue(spec.session)}]` : ''}`,
    network: spec.network ?? 'global/networks/default',
    direction: 'INGRESS',
    priority: 1000,
    sourceRanges: [`${ip}/${family === 4 ? 32 : 128}`],
    targetTags: [boxNetworkTag(spec.boxName)],
    allowed: [{ IPProtocol: 'tcp', ports: [String(port)] }],
  };
}
