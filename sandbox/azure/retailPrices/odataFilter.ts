/**
 * The part of OData `$filter` the Retail Prices API accepts: `field eq|ne value`, `contains(field,
 * 'text')` (alone or compared with true/false), `and`, `or`, parentheses. Like the API, values are
 * case-sensitive (2023-01-01-preview), `not` and `in` are refused, and so is a filter of more than
 * 20 comparisons.
 */
import type { RetailPriceItem } from './retailPriceTable';

/** Why a filter was refused (the API itself only says "Invalid OData parameters supplied"). */
export class FilterError extends Error {}

/** Filter names and the item field each reads (`priceType` is the item's `type`). */
const FIELDS: Readonly<Record<string, keyof RetailPriceItem>> = {
  armRegionName: 'armRegionName',
  armSkuName: 'armSkuName',
  currencyCode: 'currencyCode',
  effectiveStartDate: 'effectiveStartDate',
  isPrimaryMeterRegion: 'isPrimaryMeterRegion',
  location: 'location',
  meterId: 'meterId',
  meterName: 'meterName',
  priceType: 'type',
  productId: 'productId',
  productName: 'productName',
  serviceFamily: 'serviceFamily',
  serviceId: 'serviceId',
  serviceName: 'serviceName',
  skuId: 'skuId',
  skuName: 'skuName',
  type: 'type',
  unitOfMeasure: 'unitOfMeasure',
};

export const MAX_COMPARISONS = 20;

type Value = string | number | boolean;
export type Predicate = (item: RetailPriceItem) => boolean;

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: 'number'; value: number } | { kind: 'punct'; text: '(' | ')' | ',' };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < filter.length) {
    const char = filter[at];
    if (/\s/.test(char)) {
      at++;
    } else if (char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: 'punct', text: char });
      at++;
    } else if (char === "'") {
      let text = '';
      at++;
      for (;;) {
        if (at >= filter.length) throw new FilterError('unterminated string');
        if (filter[at] === "'") {
          if (filter[at + 1] !== "'") break;
          text += "'";
          at += 2;
        } else {
          text += filter[at++];
        }
      }
      at++;
      tokens.push({ kind: 'string', text });
    } else {
      const word = /^-?\d+(\.\d+)?/.exec(filter.slice(at)) ?? /^[A-Za-z_][A-Za-z0-9_]*/.exec(filter.slice(at));
      if (!word) throw new FilterError(`unexpected ${char}`);
      tokens.push(/^-?\d/.test(word[0]) ? { kind: 'number', value: Number(word[0]) } : { kind: 'word', text: word[0] });
      at += word[0].length;
    }
  }
  return tokens;
}

/** Recursive descent: or of ands of comparisons, calls or parenthesised filters. */
class Parser {
  private at = 0;
  comparisons = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Predicate {
    const predicate = this.or();
    if (this.at < this.tokens.length) throw new FilterError('trailing text');
    return predicate;
  }

  private or(): Predicate {
    const parts = [this.and()];
    while (this.word('or')) parts.push(this.and());
    return parts.length === 1 ? parts[0] : (item) => parts.some((part) => part(item));
  }

  private and(): Predicate {
    const parts = [this.term()];
    while (this.word('and')) parts.push(this.term());
    return parts.length === 1 ? parts[0] : (item) => parts.every((part) => part(item));
  }

  private term(): Predicate {
    if (this.punct('(')) {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    const name = this.take('word');
    if (name.text === 'contains') return this.contains();
    if (name.text === 'not' || name.text === 'in') throw new FilterError(`${name.text} is not supported`);
    const field = this.field(name.text);
    const operator = this.take('word').text;
    if (operator !== 'eq' && operator !== 'ne') throw new FilterError(`operator ${operator} is not supported`);
    const value = this.value();
    this.count();
    return (item) => (item[field] === value) === (operator === 'eq');
  }

  /** `contains(field,'text')`, optionally `eq|ne true|false`. */
  private contains(): Predicate {
    this.expect('(');
    const field = this.field(this.take('word').text);
    this.expect(',');
    const text = this.take('string').text;
    this.expect(')');
    this.count();
    let wanted = true;
    const next = this.tokens[this.at];
    if (next?.kind === 'word' && (next.text === 'eq' || next.text === 'ne')) {
      this.at++;
      const value = this.value();
      if (typeof value !== 'boolean') throw new FilterError('contains(...) compares with true or false only');
      wanted = (next.text === 'eq') === value;
    }
    return (item) => String(item[field] ?? '').includes(text) === wanted;
  }

  private field(name: string): keyof RetailPriceItem {
    const field = Object.hasOwn(FIELDS, name) ? FIELDS[name] : undefined;
    if (!field) throw new FilterError(`unknown field ${name}`);
    return field;
  }

  private value(): Value {
    const token = this.tokens[this.at++];
    if (token?.kind === 'string') return token.text;
    if (token?.kind === 'number') return token.value;
    if (token?.kind === 'word' && (token.text === 'true' || token.text === 'false')) return token.text === 'true';
    throw new FilterError('expected a value');
  }

  private count(): void {
    if (++this.comparisons > MAX_COMPARISONS) throw new FilterError(`more than ${MAX_COMPARISONS} comparisons`);
  }

  private word(text: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind !== 'word' || token.text !== text) return false;
    this.at++;
    return true;
  }

  private punct(text: '(' | ')' | ','): boolean {
    const token = this.tokens[this.at];
    if (token?.kind !== 'punct' || token.text !== text) return false;
    this.at++;
    return true;
  }

  private expect(text: '(' | ')' | ','): void {
    if (!this.punct(text)) throw new FilterError(`expected ${text}`);
  }

  private take<K extends 'word' | 'string'>(kind: K): Extract<Token, { kind: K }> {
    const token = this.tokens[this.at++];
    if (token?.kind !== kind) throw new FilterError(`expected a ${kind}`);
    return token as Extract<Token, { kind: K }>;
  }
}

/** The items a filter keeps; throws FilterError when the API would answer 400. */
export function parseFilter(filter: string): Predicate {
  const tokens = tokenize(filter);
  if (tokens.length === 0) throw new FilterError('empty filter');
  return new Parser(tokens).parse();
}
