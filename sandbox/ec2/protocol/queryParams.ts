import { Ec2Error } from './errors';

/**
 * The Query protocol flattens structures into dotted keys (`Filter.1.Value.2`,
 * `LaunchTemplateConfigs.1.Overrides.2.InstanceType`); rebuilding the tree once lets every
 * action read nested input the same way instead of re-parsing key strings.
 */
interface Node {
  value?: string;
  readonly children: Map<string, Node>;
}

function emptyNode(): Node {
  return { children: new Map() };
}

export class Params {
  private constructor(private readonly node: Node, private readonly prefix: string) {}

  static fromEntries(entries: Iterable<[string, string]>): Params {
    const root = emptyNode();
    for (const [key, value] of entries) {
      let node = root;
      for (const part of key.split('.')) {
        let next = node.children.get(part);
        if (!next) {
          next = emptyNode();
          node.children.set(part, next);
        }
        node = next;
      }
      node.value = value;
    }
    return new Params(root, '');
  }

  private find(path: string): Node | undefined {
    let node: Node | undefined = this.node;
    for (const part of path.split('.')) {
      node = node?.children.get(part);
      if (!node) return undefined;
    }
    return node;
  }

  private full(path: string): string {
    return this.prefix ? `${this.prefix}.${path}` : path;
  }

  has(path: string): boolean {
    return this.find(path) !== undefined;
  }

  child(path: string): Params | undefined {
    const node = this.find(path);
    return node ? new Params(node, this.full(path)) : undefined;
  }

  str(path: string): string | undefined {
    return this.find(path)?.value;
  }

  required(path: string): string {
    const value = this.str(path);
    if (value === undefined || value === '') {
      throw new Ec2Error('MissingParameter', `The request must contain the parameter ${this.full(path)}`);
    }
    return value;
  }

  int(path: string): number | undefined {
    const raw = this.str(path);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw.trim())) throw Ec2Error.invalidValue(this.full(path), raw);
    return Number(raw);
  }

  num(path: string): number | undefined {
    const raw = this.str(path);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw Ec2Error.invalidValue(this.full(path), raw);
    return n;
  }

  bool(path: string): boolean | undefined {
    const raw = this.str(path);
    if (raw === undefined) return undefined;
    if (/^true$/i.test(raw)) return true;
    if (/^false$/i.test(raw)) return false;
    throw Ec2Error.invalidValue(this.full(path), raw);
  }

  /** Time parameters arrive as ISO 8601 from SDKs, but epoch seconds are accepted too. */
  date(path: string): number | undefined {
    const raw = this.str(path);
    if (raw === undefined) return undefined;
    const ms = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
    if (!Number.isFinite(ms)) throw Ec2Error.invalidValue(this.full(path), raw);
    return ms;
  }

  /** Members `Name.1`, `Name.2`, ... in index order (gaps allowed, as clients may number sparsely). */
  list(path: string): Params[] {
    const node = this.find(path);
    if (!node) return [];
    return [...node.children.entries()]
      .filter(([k]) => /^\d+$/.test(k))
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([k, n]) => new Params(n, this.full(`${path}.${k}`)));
  }

  strList(path: string): string[] {
    return this.list(path)
      .map((p) => p.node.value)
      .filter((v): v is string => v !== undefined);
  }

  /** First of several accepted spellings that is present (e.g. `SecurityGroupId` vs `SecurityGroupIds`). */
  firstList(...paths: string[]): string[] {
    for (const p of paths) {
      const values = this.strList(p);
      if (values.length) return values;
    }
    return [];
  }
}

export interface Filter {
  readonly name: string;
  readonly values: string[];
}

export function parseFilters(p: Params): Filter[] {
  return p.list('Filter').map((f) => ({ name: f.required('Name'), values: f.strList('Value') }));
}

export function parseTags(p: Params, path = 'Tag'): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of p.list(path)) tags[t.required('Key')] = t.str('Value') ?? '';
  return tags;
}

export interface TagSpecification {
  readonly resourceType: string;
  readonly tags: Record<string, string>;
}

export function parseTagSpecifications(p: Params, path = 'TagSpecification'): TagSpecification[] {
  return p.list(path).map((s) => ({ resourceType: s.str('ResourceType') ?? '', tags: parseTags(s) }));
}
