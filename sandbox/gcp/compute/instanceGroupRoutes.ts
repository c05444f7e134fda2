/**
 * The routes of instance templates (global) and regional managed instance groups, plus the one
 * read gcloud makes before deleting a group (the region's autoscalers, always none here).
 */
import type { RouteTable } from './computeRoutes';
import type { InstanceGroupManagers } from './instanceGroupManagers';
import type { InstanceTemplates } from './instanceTemplates';

export function defineInstanceGroupRoutes(
  table: RouteTable,
  services: { project: string; templates: InstanceTemplates; groups: InstanceGroupManagers; regional: (region: string) => string },
): void {
  const { project, templates, groups, regional } = services;
  table.route('GET', 'global/instanceTemplates', (call) =>
    table.list('compute#instanceTemplateList', `projects/${project}/global/instanceTemplates`, templates.list().map((record) => templates.render(record)), call.query));
  table.operation('POST', 'global/instanceTemplates', async (call) => templates.insert(await call.body(), call.user));
  table.route('GET', 'global/instanceTemplates/*', (_call, [name]) => templates.render(templates.get(name)));
  table.operation('DELETE', 'global/instanceTemplates/*', (call, [name]) => templates.delete(name, call.user));

  const base = 'regions/*/instanceGroupManagers';
  table.route('GET', base, (call, [region]) =>
    table.list('compute#regionInstanceGroupManagerList', `projects/${project}/regions/${regional(region)}/instanceGroupManagers`, groups.list(region).map((group) => groups.render(group)), call.query));
  table.operation('POST', base, async (call, [region]) => groups.insert(regional(region), await call.body(), call.user));
  table.route('GET', `${base}/*`, (_call, [region, name]) => groups.render(groups.get(regional(region), name)));
  table.operation('DELETE', `${base}/*`, (call, [region, name]) => groups.delete(regional(region), name, call.user));
  table.operation('POST', `${base}/*/resize`, (call, [region, name]) => groups.resize(regional(region), name, call.query.get('size'), call.user));
  table.route('POST', `${base}/*/listManagedInstances`, (call, [region, name]) => groups.managedInstances(regional(region), name, call.query));
  table.route('GET', `${base}/*/listErrors`, (call, [region, name]) => groups.errors(regional(region), name, call.query));

  table.route('GET', 'regions/*/autoscalers', (call, [region]) => table.list('compute#regionAutoscalerList', `projects/${project}/regions/${regional(region)}/autoscalers`, [], call.query));
}
