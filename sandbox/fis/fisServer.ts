import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import type { EventSink } from '../contract';
import { isRegion } from '../ec2/catalog/regions';
import { AwsJsonServer, parseJsonObject, REST_JSON, signedRegion } from '../http/awsJson';
import { ExperimentRunner, type ExperimentRecord, type FisEc2 } from './experiments';
import { FisError, notFound, validation } from './fisErrors';
import { parseTemplateInput, type TemplateRecord } from './templates';

export interface FisServerOptions {
  readonly ec2: FisEc2;
  readonly events: EventSink;
  /** Owner of the sandbox's instances; FIS resolves only ARNs of this account. */
  readonly accountId: string;
  readonly clock?: () => number;
  /** How long an experiment stays `initiating` before its targets are resolved (default 200 ms). */
  readonly initiatingMs?: number;
}

type Route = (request: { region: string; body: Record<string, unknown>; query: URLSearchParams; id?: string }) => unknown;

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

/**
 * AWS Fault Injection Service (REST-JSON) for what Spotbox's rehearsal sends: experiment templates
 * (create, get, list, delete), and experiments (start, get, list, stop) running
 * aws:ec2:send-spot-instance-interruptions against the EC2 emulator. Region from the SigV4 scope,
 * errors with `x-amzn-ErrorType` as on AWS. Templates live in memory, like the experiments.
 */
export class FisServer extends AwsJsonServer<FisError> {
  private readonly templates = new Map<string, TemplateRecord>();
  private readonly clientTokens = new Map<string, string>();
  private readonly runner: ExperimentRunner;
  private readonly clock: () => number;
  private readonly routes: Record<string, Route>;

  constructor(private readonly options: FisServerOptions) {
    super({ name: 'fis', protocol: REST_JSON, errorClass: FisError, codes: { tooLarge: 'ValidationException', internal: 'InternalServerException' } });
    this.clock = options.clock ?? Date.now;
    this.runner = new ExperimentRunner(options.ec2, options.events, options.accountId, this.clock, options.initiatingMs);
    this.routes = {
      'POST /experimentTemplates': ({ region, body }) => ({ experimentTemplate: templateJson(this.createTemplate(region, body)) }),
      'GET /experimentTemplates': ({ region, query }) => page([...this.templates.values()].filter((t) => t.region === region), query, 'experimentTemplates', templateSummaryJson),
      'GET /experimentTemplates/{id}': ({ region, id }) => ({ experimentTemplate: templateJson(this.template(region, id!)) }),
      'DELETE /experimentTemplates/{id}': ({ region, id }) => {
        const template = this.template(region, id!);
        this.templates.delete(template.id);
        return { experimentTemplate: templateJson(template) };
      },
      'POST /experiments': ({ region, body }) => ({ experiment: experimentJson(this.startExperiment(region, body)) }),
      'GET /experiments': ({ region, query }) => page(this.runner.list(region), query, 'experiments', experimentSummaryJson),
      'GET /experiments/{id}': ({ region, id }) => ({ experiment: experimentJson(this.runner.get(region, id!)) }),
      'DELETE /experiments/{id}': ({ region, id }) => ({ experiment: experimentJson(this.runner.stop(region, id!)) }),
    };
  }

  override async stop(): Promise<void> {
    this.runner.dispose();
    await super.stop();
  }

  /** Template ids of a region, for tests and the control API. */
  templateIds(region: string): string[] {
    return [...this.templates.values()].filter((template) => template.region === region).map((template) => template.id);
  }

  private createTemplate(region: string, body: Record<string, unknown>): TemplateRecord {
    const token = typeof body.clientToken === 'string' ? `${region}/${body.clientToken}` : undefined;
    const earlier = token ? this.templates.get(this.clientTokens.get(token) ?? '') : undefined;
    if (earlier) return earlier;
    const input = parseTemplateInput(body);
    const id = `EXT${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 14)}`;
    const template: TemplateRecord = { ...input, id, region, arn: `arn:aws:fis:${region}:${this.options.accountId}:experiment-template/${id}`, creationTime: this.clock() };
    this.templates.set(id, template);
    if (token) this.clientTokens.set(token, id);
    return template;
  }

  private template(region: string, id: string): TemplateRecord {
    const template = this.templates.get(id);
    if (!template || template.region !== region) throw notFound('Experiment template not found.');
    return template;
  }

  private startExperiment(region: string, body: Record<string, unknown>): ExperimentRecord {
    const templateId = body.experimentTemplateId;
    if (typeof templateId !== 'string' || templateId === '') throw validation('experimentTemplateId is required.');
    const tags = body.tags ?? {};
    if (typeof tags !== 'object' || tags === null || Object.values(tags).some((value) => typeof value !== 'string')) throw validation('tags must map strings to strings.');
    return this.runner.start(this.template(region, templateId), tags as Record<string, string>);
  }

  protected override operate(request: http.IncomingMessage, raw: string): unknown {
    const url = new URL(request.url ?? '/', 'http://fis');
    const region = regionOf(request.headers.authorization);
    const [, collection, id, extra] = url.pathname.split('/');
    const route = extra === undefined ? this.routes[`${request.method ?? 'GET'} /${collection}${id === undefined ? '' : '/{id}'}`] : undefined;
    if (!route) throw new FisError('UnknownOperationException', `The Spotbox sandbox's FIS has no operation for ${request.method} ${url.pathname}.`, 404);
    const body = parseJsonObject(raw, validation);
    return route({ region, body, query: url.searchParams, id: id === undefined ? undefined : decodeURIComponent(id) });
  }
}

/** Signatures are not verified (dummy keys), but the scope must name FIS in a known region, as on AWS. */
function regionOf(authorization: string | undefined): string {
  const region = signedRegion(authorization, 'fis', (code, message) => new FisError(code, message, 403));
  if (!isRegion(region)) throw new FisError('UnrecognizedClientException', `The security token included in the request is invalid for region '${region}'.`, 403);
  return region;
}

function page<T>(items: T[], query: URLSearchParams, key: string, view: (item: T) => unknown): Record<string, unknown> {
  const max = Number(query.get('maxResults') ?? 100);
  if (!Number.isInteger(max) || max < 1 || max > 100) throw validation('maxResults must be from 1 to 100.');
  const start = Number(query.get('nextToken') ?? 0);
  if (!Number.isInteger(start) || start < 0) throw validation('nextToken is not one this API returned.');
  const slice = items.slice(start, start + max);
  return { [key]: slice.map(view), ...(start + max < items.length ? { nextToken: String(start + max) } : {}) };
}

function templateJson(template: TemplateRecord): Record<string, unknown> {
  return {
    id: template.id,
    arn: template.arn,
    description: template.description,
    targets: template.targets,
    actions: template.actions,
    stopConditions: template.stopConditions,
    roleArn: template.roleArn,
    tags: template.tags,
    creationTime: seconds(template.creationTime),
    lastUpdateTime: seconds(template.creationTime),
  };
}

function templateSummaryJson(template: TemplateRecord): Record<string, unknown> {
  return { id: template.id, arn: template.arn, description: template.description, tags: template.tags, creationTime: seconds(template.creationTime), lastUpdateTime: seconds(template.creationTime) };
}

function experimentJson(experiment: ExperimentRecord): Record<string, unknown> {
  return {
    id: experiment.id,
    arn: experiment.arn,
    experimentTemplateId: experiment.template.id,
    roleArn: experiment.template.roleArn,
    state: experiment.state,
    targets: experiment.template.targets,
    actions: Object.fromEntries(
      Object.entries(experiment.actions).map(([name, action]) => [name, { ...action, startTime: seconds(action.startTime), endTime: seconds(action.endTime) }]),
    ),
    stopConditions: experiment.template.stopConditions,
    tags: experiment.tags,
    creationTime: seconds(experiment.creationTime),
    startTime: seconds(experiment.startTime),
    endTime: seconds(experiment.endTime),
  };
}

function experimentSummaryJson(experiment: ExperimentRecord): Record<string, unknown> {
  return { id: experiment.id, arn: experiment.arn, experimentTemplateId: experiment.template.id, state: experiment.state, tags: experiment.tags, creationTime: seconds(experiment.creationTime) };
}
