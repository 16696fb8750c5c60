import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  signPromoterRequest,
  verifyPromoterSignature,
} from '../../src/domain/promoterSignature.js';
import { verifySlackSignature } from '../../src/functions/http/slackSignature.js';
import { verifyTeamsSignature } from '../../src/functions/http/teamsSignature.js';

const headers = (values: Record<string, string>) => new Headers(values);
const at = (unixSeconds: number) => new Date(unixSeconds * 1000);

describe('Slack request signatures', () => {
  // The worked example of Slack's "Verifying requests from Slack".
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const timestamp = 1531420618;
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  const signed = (extra: Record<string, string> = {}) =>
    headers({
      'X-Slack-Signature': signature,
      'X-Slack-Request-Timestamp': String(timestamp),
      ...extra,
    });

  it('uses the vector Slack documents (HMAC-SHA256 of v0:{timestamp}:{body}, hex)', () => {
    const hex = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
    expect(`v0=${hex}`).toBe(signature);
  });

  it.each([
    ['at the signing time', 0],
    ['5 minutes later', 300],
    ['5 minutes earlier (a fast sender clock)', -300],
  ])('accepts the documented request %s', (_, offset) => {
    expect(verifySlackSignature(signed(), body, secret, at(timestamp + offset))).toEqual({
      ok: true,
      signature: signature.slice(3),
    });
  });

  it('accepts the body as bytes as well as text', () => {
    const bytes = new TextEncoder().encode(body);
    expect(verifySlackSignature(signed(), bytes, secret, at(timestamp)).ok).toBe(true);
  });

  it.each([
    [
      'a tampered body',
      signed(),
      body.replace('roadrunner', 'wile.e'),
      secret,
      0,
      /does not match/,
    ],
    ['a wrong secret', signed(), body, `${secret}x`, 0, /does not match/],
    ['a stale timestamp', signed(), body, secret, 301, /301 s in the past/],
    ['a future timestamp', signed(), body, secret, -301, /301 s in the future/],
    [
      'a timestamp swapped for a fresh one',
      signed({ 'X-Slack-Request-Timestamp': String(timestamp + 1) }),
      body,
      secret,
      0,
      /does not match/,
    ],
    [
      'a missing signature',
      headers({ 'X-Slack-Request-Timestamp': String(timestamp) }),
      body,
      secret,
      0,
      /missing X-Slack-Signature/,
    ],
    [
      'a missing timestamp',
      headers({ 'X-Slack-Signature': signature }),
      body,
      secret,
      0,
      /missing X-Slack-Request-Timestamp/,
    ],
    [
      'a signature without v0=',
      signed({ 'X-Slack-Signature': signature.slice(3) }),
      body,
      secret,
      0,
      /malformed X-Slack-Signature/,
    ],
    [
      'a truncated signature',
      signed({ 'X-Slack-Signature': signature.slice(0, -2) }),
      body,
      secret,
      0,
      /malformed X-Slack-Signature/,
    ],
    [
      'an uppercase signature (one request, one replay key)',
      signed({ 'X-Slack-Signature': `v0=${signature.slice(3).toUpperCase()}` }),
      body,
      secret,
      0,
      /malformed X-Slack-Signature/,
    ],
    [
      'a timestamp that is not unix seconds',
      signed({ 'X-Slack-Request-Timestamp': '2018-07-12T18:36:58Z' }),
      body,
      secret,
      0,
      /malformed X-Slack-Request-Timestamp/,
    ],
  ])('refuses %s', (_, requestHeaders, requestBody, key, offset, reason) => {
    const check = verifySlackSignature(requestHeaders, requestBody, key, at(timestamp + offset));
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toMatch(reason);
  });
});

describe('Teams outgoing webhook signatures', () => {
  // The security token as Teams shows it (base64); the key is its decoded bytes.
  const token = 'cHJvbW90ZXIgdGVhbXMgb3V0Z29pbmcgd2ViaG9vayB0ZXN0IHRva2Vu';
  const body =
    '{"type":"message","id":"1485983408511","text":"<at>promoter</at> status myapp","from":{"id":"29:1abc","name":"Megan Bowen"}}';
  const signature = '6RZ+9aqqCgY3GB/QUu1FwdaOIxd6lwZjV5/wWsmb2/Q=';
  const signed = (value = `HMAC ${signature}`) => headers({ Authorization: value });

  it('uses a vector computed with node:crypto (base64 HMAC-SHA256 keyed with the decoded token)', () => {
    const key = Buffer.from(token, 'base64');
    expect(createHmac('sha256', key).update(body).digest('base64')).toBe(signature);
    // Keyed with the token's text instead, the signature differs: decoding matters.
    expect(createHmac('sha256', token).update(body).digest('base64')).not.toBe(signature);
  });

  it('accepts a correctly signed body', () => {
    expect(verifyTeamsSignature(signed(), body, token)).toEqual({ ok: true });
  });

  it.each([
    ['a tampered body', signed(), body.replace('myapp', 'other'), token, /does not match/],
    [
      'a wrong token',
      signed(),
      body,
      Buffer.from('another outgoing webhook token!!').toString('base64'),
      /does not match/,
    ],
    ['a missing Authorization header', headers({}), body, token, /missing Authorization/],
    ['a Bearer token', signed(`Bearer ${signature}`), body, token, /malformed Authorization/],
    ['a truncated signature', signed(`HMAC ${signature.slice(4)}`), body, token, /malformed/],
    ['a signature that is not base64', signed(`HMAC ${'!'.repeat(43)}=`), body, token, /malformed/],
  ])('refuses %s', (_, requestHeaders, requestBody, key, reason) => {
    const check = verifyTeamsSignature(requestHeaders, requestBody, key);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toMatch(reason);
  });
});

describe('promoter request signatures (POST /api/approvals)', () => {
  const secret = 'promoter-approvals-test-secret-0123456789';
  const timestamp = 1764237600;
  const body =
    '{"repository":"myapp","build":{"gitSha":"a1b2c3d"},"stage":"rc","version":"1.2.3","decision":"approve","approver":{"id":"ci"}}';
  const hex = '3f28d01f160561aa2493fde117a66ea30c2cab4c079db3bd6e5cd019bb2b6e4a';
  const signed = (extra: Record<string, string> = {}) =>
    headers({
      'X-Promoter-Signature': `sha256=${hex}`,
      'X-Promoter-Timestamp': String(timestamp),
      ...extra,
    });

  it('uses a vector computed with node:crypto (hex HMAC-SHA256 of {timestamp}.{body})', () => {
    expect(createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')).toBe(hex);
  });

  it('signs a body with the timestamp and signature headers of the vector', () => {
    expect(signPromoterRequest(body, secret, new Date(timestamp * 1000 + 999))).toEqual({
      'X-Promoter-Timestamp': String(timestamp),
      'X-Promoter-Signature': `sha256=${hex}`,
    });
  });

  it.each([
    ['at the signing time', 0],
    ['5 minutes later', 300],
    ['5 minutes earlier (a fast sender clock)', -300],
  ])('accepts the signed request %s', (_, offset) => {
    expect(verifyPromoterSignature(signed(), body, secret, at(timestamp + offset))).toEqual({
      ok: true,
      signature: hex,
    });
  });

  it('accepts what signPromoterRequest signs', () => {
    const now = new Date();
    const signedHeaders = headers(signPromoterRequest(body, secret, now));
    expect(verifyPromoterSignature(signedHeaders, body, secret, now).ok).toBe(true);
  });

  it.each([
    ['a tampered body', signed(), body.replace('1.2.3', '9.9.9'), secret, 0, /does not match/],
    ['a wrong secret', signed(), body, `${secret}x`, 0, /does not match/],
    ['a stale timestamp', signed(), body, secret, 301, /301 s in the past/],
    ['a future timestamp', signed(), body, secret, -301, /301 s in the future/],
    [
      'a timestamp swapped for a fresh one',
      signed({ 'X-Promoter-Timestamp': String(timestamp + 60) }),
      body,
      secret,
      60,
      /does not match/,
    ],
    [
      'a timestamp in milliseconds',
      signed({ 'X-Promoter-Timestamp': String(timestamp * 1000) }),
      body,
      secret,
      0,
      /milliseconds\? send whole seconds/,
    ],
    [
      'a missing signature',
      headers({ 'X-Promoter-Timestamp': String(timestamp) }),
      body,
      secret,
      0,
      /missing X-Promoter-Signature/,
    ],
    [
      'a missing timestamp',
      headers({ 'X-Promoter-Signature': `sha256=${hex}` }),
      body,
      secret,
      0,
      /missing X-Promoter-Timestamp/,
    ],
    [
      'a signature without sha256=',
      signed({ 'X-Promoter-Signature': hex }),
      body,
      secret,
      0,
      /malformed X-Promoter-Signature/,
    ],
    [
      'an uppercase signature (one request, one replay key)',
      signed({ 'X-Promoter-Signature': `sha256=${hex.toUpperCase()}` }),
      body,
      secret,
      0,
      /malformed X-Promoter-Signature/,
    ],
    [
      'a timestamp that is not unix seconds',
      signed({ 'X-Promoter-Timestamp': '-1' }),
      body,
      secret,
      0,
      /malformed X-Promoter-Timestamp/,
    ],
  ])('refuses %s', (_, requestHeaders, requestBody, key, offset, reason) => {
    const check = verifyPromoterSignature(requestHeaders, requestBody, key, at(timestamp + offset));
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toMatch(reason);
  });
});
