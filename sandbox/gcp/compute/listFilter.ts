/**
 * The `filter` parameter of Compute's list methods: comparisons `field op value` with `=`, `!=`,
 * `>`, `<`, `>=`, `<=`, `:` (has; `:*` is "is set"), `eq`/`ne` (RE2 regex over the whole value),
 * joined by AND (or whitespace), OR, NOT and parentheses, e.g.
 * `(labels.spotbox = "yes") AND (status = RUNNING)`. Fields are dotted paths into the resource
 * as it is rendered (`labels.k`, `scheduling.provisioningModel`, `operationType`).
 */
import { GoogleApiError } from '../http/googleError';
import { scalarText } from '../http/googleHttp';

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node }
  | { kind: 'cmp'; field: string; op: string; value: string };

const OPERATORS = ['!=', '>=', '<=', '=', '>', '<', ':'];

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push(c);
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== c) {
        value += text[j] === '\\' && j + 1 < text.length ? text[++j] : text[j];
        j++;
      }
      if (j >= text.length) {
        throw invalid(text, 'unterminated string');
      }
      tokens.push(`"${value}`);
      i = j + 1;
    } else {
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
      if (op) {
        tokens.push(op);
        i += op.length;
      } else {
        let j = i;
        while (j < text.length && !/[\s()]/.test(text[j]) && !OPERATORS.some((candidate) => text.startsWith(candidate, j))) {
          j++;
        }
        tokens.push(text.slice(i, j));
        i = j;
      }
    }
  }
  return tokens;
}

function invalid(filter: string, why: string): GoogleApiError {
  return GoogleApiError.invalidField('filter', filter, `Invalid list filter expression: ${why}.`);
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: string[], private readonly source: string) {}

  parse(): Node {
    const node = this.or();
    if (this.position < this.tokens.length) {
      throw invalid(this.source, `unexpected ${this.tokens[this.position]}`);
    }
    return node;
  }

  private peek(): string | undefined {
    return this.tokens[this.position];
  }

  private or(): Node {
    let node = this.and();
    while (this.peek() === 'OR') {
      this.position++;
      node = { kind: 'or', left: node, right: this.and() };
    }
    return node;
  }

  private and(): Node {
    let node = this.unary();
    for (;;) {
      const next = this.peek();
      if (next === undefined || next === ')' || next === 'OR') {
        return node;
      }
      if (next === 'AND') {
        this.position++;
      }
      node = { kind: 'and', left: node, right: this.unary() };
    }
  }

  private unary(): Node {
    const token = this.peek();
    if (token === 'NOT' || token === '-') {
      this.position++;
      return { kind: 'not', inner: this.unary() };
    }
    if (token === '(') {
      this.position++;
      const inner = this.or();
      if (this.peek() !== ')') {
        throw invalid(this.source, 'missing )');
      }
      this.position++;
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Node {
    const field = this.tokens[this.position++];
    const op = this.tokens[this.position++];
    const raw = this.tokens[this.position++];
    if (!field || field.startsWith('"') || !op || raw === undefined || !(OPERATORS.includes(op) || op === 'eq' || op === 'ne')) {
      throw invalid(this.source, `expected "field operator value" at ${field ?? 'the end'}`);
    }
    return { kind: 'cmp', field, op, value: raw.startsWith('"') ? raw.slice(1) : raw };
  }
}

function valueAt(resource: unknown, field: string): unknown {
  let node: unknown = resource;
  for (const part of field.split('.')) {
    if (node === null || typeof node !== 'object') {
      return undefined;
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function compare(actual: unknown, op: string, expected: string): boolean {
  if (actual === undefined || actual === null) {
    return op === '!=' || op === 'ne';
  }
  if (Array.isArray(actual)) {
    return op === '!=' || op === 'ne' ? actual.every((item) => compare(item, op, expected)) : actual.some((item) => compare(item, op, expected));
  }
  const text = scalarText(actual);
  switch (op) {
    case '=':
      return text === expected;
    case '!=':
      return text !== expected;
    case ':':
      return expected === '*' || text.includes(expected);
    case 'eq':
      return new RegExp(`^(?:${expected})$`).test(text);
    case 'ne':
      return !new RegExp(`^(?:${expected})$`).test(text);
    default: {
      const [a, b] = [Number(text), Number(expected)];
      const numeric = !Number.isNaN(a) && !Number.isNaN(b);
      const order = numeric ? a - b : text < expected ? -1 : text > expected ? 1 : 0;
      return op === '>' ? order > 0 : op === '<' ? order < 0 : op === '>=' ? order >= 0 : order <= 0;
    }
  }
}

function evaluate(node: Node, resource: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, resource) && evaluate(node.right, resource);
    case 'or':
      return evaluate(node.left, resource) || evaluate(node.right, resource);
    case 'not':
      return !evaluate(node.inner, resource);
    case 'cmp':
      return compare(valueAt(resource, node.field), node.op, node.value);
  }
}

/** A predicate for the filter; an empty filter matches everything. Throws Google's 400 on a bad one. */
export function listFilter(filter: string | null | undefined): (resource: unknown) => boolean {
  if (!filter || !filter.trim()) {
    return () => true;
  }
  const tree = new Parser(tokenize(filter), filter).parse();
  return (resource) => evaluate(tree, resource);
}
