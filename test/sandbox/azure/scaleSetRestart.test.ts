/**
 * A restarted sandbox keeps a scale set (its identity, model and customData), its running instance
 * (booted again) and a role assignment, and Try & Restore still works after the restart: the
 * instance's eviction brings a new one.
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { processesMentioning } from '../e2e/sandboxHarness';
import { eventually, startAzureTestSandbox, tempDir, type AzureTestContext } from './azureHarness';
import { createScaleSetNetwork, scaleSetBody } from './scaleSetHarness';

const OPTIONS = { azureEvictionNoticeMs: 2000, azureSpotRestoreDelayMs: 1000 };

describe('Azure sandbox: a scale set across a restart', function () {
  this.timeout(180_000);

  it('keeps the scale set, its instance and role assignment; an eviction after the restart is restored', async () => {
    const directory = tempDir('spotbox-azure-vmss-restart-');
    let sandbox: RunningSandbox | undefined;
    const scaleSetPath = (c: AzureTestContext): string => `${c.subscriptionPath}/resourceGroups/kept/providers/Microsoft.Compute/virtualMachineScaleSets/box?api-version=2024-07-01`;
    const runningInstances = async (c: AzureTestContext): Promise<string[]> => eventually('the instance to run', async () => {
      const instances = c.sandbox.azure.arm.vms.snapshot().filter((vm) => String(vm.vm).startsWith('box_'));
      return instances.length === 1 && instances[0].powerState === 'running' ? instances.map((vm) => String(vm.vm)) : undefined;
    }, 30_000, 250);
    try {
      let context = await startAzureTestSandbox(directory, OPTIONS);
      sandbox = context.sandbox;
      const keyPath = path.join(directory, 'id_ed25519');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
      assert.equal((await context.arm('PUT', `${context.subscriptionPath}/resourcegroups/kept?api-version=2021-04-01`, { location: 'eastus' })).status, 201);
      const created = await context.arm('PUT', scaleSetPath(context), scaleSetBody(await createScaleSetNetwork(context, 'kept'), fs.readFileSync(`${keyPath}.pub`, 'utf8').trim(), { customData: '#!/bin/sh\ntrue\n' }));
      assert.equal(created.status, 201, created.text);
      const principalId = (created.json.identity as { principalId: string }).principalId;
      const [instance] = await runningInstances(context);
      const assignmentPath = `${context.subscriptionPath}/resourceGroups/spotbox-sandbox-storage/providers/Microsoft.Storage/storageAccounts/devstoreaccount1/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`;
      const granted = await context.arm('PUT', assignmentPath, { properties: { roleDefinitionId: `/${context.subscriptionPath}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`, principalId, principalType: 'ServicePrincipal' } });
      assert.equal(granted.status, 201, granted.text);
      await sandbox.stop();

      context = await startAzureTestSandbox(directory, OPTIONS);
      sandbox = context.sandbox;
      const kept = await context.arm('GET', scaleSetPath(context));
      assert.equal(kept.status, 200, kept.text);
      assert.equal((kept.json.identity as { principalId: string }).principalId, principalId);
      assert.equal((kept.json.properties as { provisioningState: string }).provisioningState, 'Succeeded');
      assert.deepEqual(await runningInstances(context), [instance], 'the instance boots again');
      assert.equal((await context.arm('GET', assignmentPath)).status, 200, 'the role assignment is kept');

      context.sandbox.azure.arm.vms.evict('kept', instance);
      const [restored] = await eventually('a restored instance', async () => {
        const instances = context.sandbox.azure.arm.vms.snapshot().filter((vm) => String(vm.vm).startsWith('box_') && vm.vm !== instance && vm.powerState === 'running');
        return instances.length ? instances : undefined;
      }, 30_000, 250);
      assert.notEqual(restored.vm, instance);
      const token = context.sandbox.azure.arm.vms.managedIdentityToken('kept', String(restored.vm), 'https://storage.azure.com/');
      const claims = JSON.parse(Buffer.from(String(token?.access_token).split('.')[1], 'base64url').toString('utf8')) as { oid: string };
      assert.equal(claims.oid, principalId, 'the restored instance has the scale set\'s identity (from the kept model)');
    } finally {
      await sandbox?.stop();
      assert.deepEqual(processesMentioning(directory), []);
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
