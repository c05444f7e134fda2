"""The sandbox's ARM driven by Microsoft's Python SDKs as Debian ships them (python3-azure:
azure-identity 1.13.0b2, azure-mgmt-resource/network/compute), with the sandbox's environment
(AZURE_* and REQUESTS_CA_BUNDLE). Prints one JSON line of what it saw."""
import json
import os

from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource import ResourceManagementClient

env = os.environ
arm = env["ARM"]
subscription = env["AZURE_SUBSCRIPTION_ID"]
# The authority is not one of Microsoft's: MSAL must not ask login.microsoftonline.com about it.
credential = ClientSecretCredential(env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"],
                                    authority=env["AZURE_AUTHORITY_HOST"], instance_discovery=False)
options = {"base_url": arm, "credential_scopes": ["https://management.azure.com/.default"]}
resources = ResourceManagementClient(credential, subscription, **options)
network = NetworkManagementClient(credential, subscription, **options)
compute = ComputeManagementClient(credential, subscription, **options)

group = "py-group"
resources.resource_groups.create_or_update(group, {"location": "eastus", "tags": {"client": "python"}})
tagged = [g.name for g in resources.resource_groups.list(filter="tagName eq 'client' and tagValue eq 'python'")]
vnet = network.virtual_networks.begin_create_or_update(group, "vnet", {
    "location": "eastus", "address_space": {"address_prefixes": ["10.0.0.0/16"]},
    "subnets": [{"name": "default", "address_prefix": "10.0.0.0/24"}]}).result()
ip = network.public_ip_addresses.begin_create_or_update(group, "ip", {
    "location": "eastus", "sku": {"name": "Standard"}, "public_ip_allocation_method": "Static"}).result()
nic = network.network_interfaces.begin_create_or_update(group, "nic", {
    "location": "eastus", "ip_configurations": [{"name": "ipconfig1", "subnet": {"id": vnet.subnets[0].id},
                                                 "public_ip_address": {"id": ip.id}}]}).result()
vm = compute.virtual_machines.begin_create_or_update(group, "pyvm", {
    "location": "eastus",
    "priority": "Spot", "eviction_policy": "Delete", "billing_profile": {"max_price": -1},
    "hardware_profile": {"vm_size": "Standard_NC4as_T4_v3"},
    "storage_profile": {"image_reference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}},
    "os_profile": {"computer_name": "pyvm", "admin_username": "azureuser", "linux_configuration": {
        "disable_password_authentication": True,
        "ssh": {"public_keys": [{"path": "/home/azureuser/.ssh/authorized_keys", "key_data": env["SSH_PUBLIC_KEY"]}]}}},
    "network_profile": {"network_interfaces": [{"id": nic.id}]},
}).result()
view = compute.virtual_machines.instance_view(group, "pyvm")
address = network.public_ip_addresses.get(group, "ip").ip_address
sizes = sorted(size.name for size in compute.virtual_machine_sizes.list("eastus"))
resources.resource_groups.begin_delete(group).result()
print(json.dumps({
    "tagged": tagged,
    "vm": {"name": vm.name, "provisioningState": vm.provisioning_state, "priority": vm.priority, "evictionPolicy": vm.eviction_policy},
    "statuses": [status.code for status in view.statuses],
    "address": address,
    "sizes": sizes,
    "groupExistsAfterDelete": resources.resource_groups.check_existence(group),
}))
