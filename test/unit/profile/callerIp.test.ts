import * as assert from 'node:assert/strict';
import { callerPublicIp, parseIpv4 } from '../../../src/core/network/callerIp';

type FakeFetch = NonNullable<Parameters<typeof callerPublicIp>[1]['fetch']>;
const answering = (body: string, status = 200): FakeFetch => () => Promise.resolve({ ok: status < 300, status, text: () => Promise.resolve(body) });
const URL = 'https://checkip.example/';

describe('callerPublicIp', () => {
  it('reads a plain-text IPv4 answer, trailing newline included', async () => {
    assert.equal(await callerPublicIp(URL, { timeoutMs: 1000, fetch: answering('203.0.113.7\n') }), '203.0.113.7');
  });

  it('refuses anything that is not one IPv4 address, never widening to 0.0.0.0/0', async () => {
    for (const body of ['', '<html>', '256.1.1.1', '1.2.3', '01.2.3.4', '2001:db8::1', '1.2.3.4, 5.6.7.8']) {
      await assert.rejects(callerPublicIp(URL, { timeoutMs: 1000, fetch: answering(body) }), /could not find your public IP from https:\/\/checkip\.example\/: the answer .* is not an IPv4 address/i, body);
    }
    assert.equal(parseIpv4(' 10.0.0.255 '), '10.0.0.255');
  });

  it('says how to go on when the service fails, errs or does not answer in time', async () => {
    const failing = callerPublicIp(URL, { timeoutMs: 1000, fetch: answering('oops', 503) });
    await assert.rejects(failing, (error: Error & { nextStep?: string }) => /HTTP 503/.test(error.message) && /spotbox\.checkIpUrl/.test(error.nextStep ?? ''));
    await assert.rejects(callerPublicIp(URL, { timeoutMs: 1000, fetch: () => Promise.reject(new Error('getaddrinfo ENOTFOUND')) }), /ENOTFOUND/);
    const hanging: FakeFetch = (_url, init) =>
      new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason as Error)));
    await assert.rejects(callerPublicIp(URL, { timeoutMs: 50, fetch: hanging }), /no answer within 50 ms/);
  });
});
