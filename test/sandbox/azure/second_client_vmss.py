"""A Flexible Spot scale set with Try & Restore, its instance among the group's VMs, the sandbox's
storage account and a "Storage Blob Data Contributor" assignment for the scale set's identity, driven
by Microsoft's Python SDKs as Debian ships them (python3-azure: azure-mgmt-compute 29,
azure-mgmt-storage 21, azure-mgmt-authorization 3) with the sandbox's environment. Prints one JSON
line of what it saw."""
import json
import os
import uuid

from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient

env = os.environ
subscription = env["AZURE_SUBSCRIPTION_ID"]
credential = ClientSecretCredential(env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"],
                                    authority=env["AZURE_AUTHORITY_HOST"], instance_discovery=False)
options = {"base_url": env["ARM"], "credential_scopes": ["https://management.azure.com/.default"]}
resources = ResourceManagementClient(credential, subscription, **options)
network = NetworkManagementClient(credential, subscription, **options)
compute = ComputeManagementClient(credential, subscription, **options)
storage = StorageManagementClient(credential, subscription, **options)
authorization = AuthorizationManagementClient(credential, subscription, **options)

group = "py-vmss"
resources.resource_groups.create_or_update(group, {"location": "eastus"})
nsg = network.network_security_groups.begin_create_or_update(group, "nsg", {"location": "eastus"}).result()
vnet = network.virtual_networks.begin_create_or_update(group, "vnet", {
    "location": "eastus", "address_space": {"address_prefixes": ["10.0.0.0/16"]},
    "subnets": [{"name": "default", "address_prefix": "10.0.0.0/24"}]}).result()
scale_set = compute.virtual_machine_scale_sets.begin_create_or_update(group, "pyset", {
    "location": "eastus",
    "identity": {"type": "SystemAssigned"},
    "sku": {"name": "Standard_NC4as_T4_v3", "capacity": 1},
    "orchestration_mode": "Flexible",
    "platform_fault_domain_count": 1,
    "single_placement_group": False,
    "spot_restore_policy": {"enabled": True, "restore_timeout": "PT1H"},
    "virtual_machine_profile": {
        "priority": "Spot", "eviction_policy": "Delete", "billing_profile": {"max_price": -1},
        "os_profile": {"computer_name_prefix": "py", "admin_username": "azureuser", "linux_configuration": {
            "disable_password_authentication": True,
            "ssh": {"public_keys": [{"path": "/home/azureuser/.ssh/authorized_keys", "key_data": env["SSH_PUBLIC_KEY"]}]}}},
        "storage_profile": {"image_reference": {"publisher": "microsoft-dsvm", "offer": "ubuntu-hpc", "sku": "2204", "version": "latest"},
                            "os_disk": {"create_option": "FromImage", "delete_option": "Delete", "managed_disk": {"storage_account_type": "Premium_LRS"}}},
        "network_profile": {"network_api_version": "2020-11-01", "network_interface_configurations": [{
            "name": "nic", "primary": True, "delete_option": "Delete", "network_security_group": {"id": nsg.id},
            "ip_configurations": [{"name": "ipconfig", "primary": True, "subnet": {"id": vnet.subnets[0].id},
                                   "public_ip_address_configuration": {"name": "pip", "sku": {"name": "Standard"}, "delete_option": "Delete"}}]}]},
    },
}).result()
read = compute.virtual_machine_scale_sets.get(group, "pyset")
# Flexible: the group's VMs whose virtualMachineScaleSet names the scale set.
instances = [vm for vm in compute.virtual_machines.list(group)
             if vm.virtual_machine_scale_set and vm.virtual_machine_scale_set.id.lower() == read.id.lower()]
account = next(iter(storage.storage_accounts.list()))
role = f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe"
assignment = authorization.role_assignments.create(account.id, str(uuid.uuid4()), {
    "role_definition_id": role, "principal_id": read.identity.principal_id, "principal_type": "ServicePrincipal"})
listed = list(authorization.role_assignments.list_for_scope(account.id, filter=f"principalId eq '{read.identity.principal_id}'"))
authorization.role_assignments.delete(account.id, assignment.name)
resources.resource_groups.begin_delete(group).result()
print(json.dumps({
    "scaleSet": {"name": scale_set.name, "provisioningState": read.provisioning_state, "orchestrationMode": read.orchestration_mode,
                 "spotRestore": read.spot_restore_policy.enabled, "capacity": read.sku.capacity},
    "principalIsUuid": len(str(uuid.UUID(read.identity.principal_id))) == 36,
    "instances": [{"name": vm.name, "priority": vm.priority, "computerName": vm.os_profile.computer_name} for vm in instances],
    "account": {"name": account.name, "blob": account.primary_endpoints.blob},
    "assignment": {"scope": assignment.scope, "principalId": assignment.principal_id == read.identity.principal_id},
    "listed": [item.name for item in listed] == [assignment.name],
    "groupExistsAfterDelete": resources.resource_groups.check_existence(group),
}))
