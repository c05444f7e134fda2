/**
 * Responses are plain JS trees: an object becomes child elements, an array becomes `<item>`
 * entries (EC2's list convention), a Date an ISO timestamp. undefined/null members are left
 * out, which is how EC2 omits absent optional fields.
 */
export type XmlValue = string | number | boolean | Date | null | undefined | XmlValue[] | { [key: string]: XmlValue };

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function render(name: string, value: XmlValue, out: string[]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    out.push(`<${name}>`);
    for (const entry of value) render('item', entry, out);
    out.push(`</${name}>`);
  } else if (value instanceof Date) {
    out.push(`<${name}>${value.toISOString()}</${name}>`);
  } else if (typeof value === 'object') {
    out.push(`<${name}>`);
    for (const [k, v] of Object.entries(value)) render(k, v, out);
    out.push(`</${name}>`);
  } else {
    out.push(`<${name}>${escapeXml(String(value))}</${name}>`);
  }
}

export function responseXml(action: string, requestId: string, body: Record<string, XmlValue>): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n', `<${action}Response xmlns="${EC2_NAMESPACE}">`];
  out.push(`<requestId>${escapeXml(requestId)}</requestId>`);
  for (const [k, v] of Object.entries(body)) render(k, v, out);
  out.push(`</${action}Response>`);
  return out.join('');
}
