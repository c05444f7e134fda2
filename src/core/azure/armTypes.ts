/** The fields of ARM resources Spotbox writes and reads (ARM sends more; these are the ones used). */

export type Tags = Readonly<Record<string, string>>;

export interface ResourceGroup {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly tags?: Tags;
  readonly properties?: { readonly provisioningState?: string };
}

export interface SubResource {
  readonly id: string;
}

export interface SecurityRule {
  readonly name: string;
  readonly properties: {
    readonly priority: number;
    readonly direction: 'Inbound' | 'Outbound';
    readonly access: 'Allow' | 'Deny';
    readonly protocol: 'Tcp' | 'Udp' | '*';
    readonly sourceAddressPrefix: string;
    readonly sourcePortRange: string;
    readonly destinationAddressPrefix: string;
    readonly destinationPortRange: string;
    readonly description?: string;
  };
}

export interface NetworkSecurityGroup {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly tags?: Tags;
  readonly properties: { readonly securityRules?: readonly SecurityRule[]; readonly provisioningState?: string };
}

export interface VirtualNetwork {
  readonly id: string;
  readonly name: string;
  readonly properties: { readonly subnets?: ReadonlyArray<{ readonly id: string; readonly name: string }>; readonly provisioningState?: string };
}

export interface PublicIpAddress {
  readonly id: string;
  readonly name: string;
  readonly properties: { readonly ipAddress?: string; readonly provisioningState?: string };
}

export interface NetworkInterface {
  readonly id: string;
  readonly name: string;
  readonly properties: { readonly provisioningState?: string; readonly ipConfigurations?: ReadonlyArray<{ readonly properties?: { readonly privateIPAddress?: string; readonly publicIPAddress?: SubResource } }> };
}

export interface InstanceViewStatus {
  readonly code: string;
  readonly displayStatus?: string;
  readonly time?: string;
}

export interface VirtualMachine {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly tags?: Tags;
  readonly identity?: { readonly type: string; readonly principalId?: string; readonly tenantId?: string };
  readonly properties: {
    readonly vmId?: string;
    readonly provisioningState?: string;
    readonly priority?: 'Regular' | 'Low' | 'Spot';
    readonly evictionPolicy?: 'Deallocate' | 'Delete';
    readonly billingProfile?: { readonly maxPrice?: number };
    readonly hardwareProfile: { readonly vmSize: string };
    readonly timeCreated?: string;
    readonly osProfile?: { readonly adminUsername?: string; readonly computerName?: string };
    readonly networkProfile?: { readonly networkInterfaces?: readonly SubResource[] };
    /** Set on a Flexible scale set's instance. */
    readonly virtualMachineScaleSet?: SubResource;
    readonly instanceView?: { readonly statuses?: readonly InstanceViewStatus[] };
  };
}

export interface ArmList<T> {
  readonly value: readonly T[];
  readonly nextLink?: string;
}

export interface Subscription {
  readonly subscriptionId: string;
  readonly displayName: string;
  readonly state?: string;
  readonly tenantId?: string;
}

/** A Flexible scale set: its instances are ordinary VMs that name it in `virtualMachineScaleSet`. */
export interface VirtualMachineScaleSet {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly tags?: Tags;
  readonly sku?: { readonly name?: string; readonly capacity?: number };
  readonly identity?: { readonly type: string; readonly principalId?: string; readonly tenantId?: string };
  readonly properties: { readonly provisioningState?: string; readonly uniqueId?: string; readonly orchestrationMode?: string };
}

/** The parts of a storage account Spotbox reads: where its Blob endpoint is, and its id (a role's scope). */
export interface StorageAccount {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly properties: { readonly primaryEndpoints?: { readonly blob?: string } };
}

export interface RoleAssignment {
  readonly id: string;
  readonly name: string;
  readonly properties: { readonly roleDefinitionId: string; readonly principalId: string; readonly scope?: string };
}
