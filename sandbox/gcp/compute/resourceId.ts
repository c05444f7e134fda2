import { randomBytes } from 'node:crypto';

/** A new resource id as Google writes them: a 19-digit decimal number. */
export function newResourceId(): string {
  return (10n ** 18n + (BigInt('0x' + randomBytes(8).toString('hex')) % (9n * 10n ** 18n))).toString();
}
