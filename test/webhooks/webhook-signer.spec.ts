import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { generateWebhookSecret } from '../../src/common/secret-box.js';
import { signatureHeaders } from '../../src/webhooks/webhook-signer.js';

const body = JSON.stringify({ type: 'case.transitioned', data: { caseId: 'c-1', to: 'presa_in_carico' } });
const msgId = 'msg_2f1c9a7e-0b5d-4c1e-9a51-6d3f0c8e7b21';

/** The library checks webhook-timestamp against the real clock (5 minutes either way): sign near now. */
const now = () => new Date();

function verificationError(secret: string, payload: string, headers: Record<string, string>): unknown {
  try {
    new Webhook(secret).verify(payload, headers);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('signatureHeaders', () => {
  it('gives the three Standard Webhooks headers, accepted by a stock verifier', () => {
    const secret = generateWebhookSecret();
    const headers = signatureHeaders({ msgId, timestamp: now(), body, secrets: [secret] });
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['webhook-id']).toBe(msgId);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(secret).verify(Buffer.from(body), headers)).toEqual(JSON.parse(body));
  });

  it('signs {id}.{timestamp}.{body} with HMAC-SHA256 of the base64-decoded secret', () => {
    const secret = generateWebhookSecret();
    const timestamp = now();
    const headers = signatureHeaders({ msgId, timestamp, body, secrets: [secret] });
    const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(`${msgId}.${Math.floor(timestamp.getTime() / 1000)}.${body}`)
      .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('puts the seconds of the given date in webhook-timestamp', () => {
    const headers = signatureHeaders({ msgId, timestamp: new Date('2026-03-01T10:20:30.999Z'), body, secrets: [generateWebhookSecret()] });
    expect(headers['webhook-timestamp']).toBe(String(Date.UTC(2026, 2, 1, 10, 20, 30) / 1000));
    expect(headers['webhook-timestamp']).toBe('1772360430');
  });

  it('during a rotation signs with every secret, current first; either secret alone verifies', () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const timestamp = now();
    const headers = signatureHeaders({ msgId, timestamp, body, secrets: [current, previous] });
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toEqual([
      signatureHeaders({ msgId, timestamp, body, secrets: [current] })['webhook-signature'],
      signatureHeaders({ msgId, timestamp, body, secrets: [previous] })['webhook-signature'],
    ]);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(verificationError(generateWebhookSecret(), body, headers)).toBeInstanceOf(WebhookVerificationError);
  });

  it('signs once when the same secret is listed twice', () => {
    const secret = generateWebhookSecret();
    const headers = signatureHeaders({ msgId, timestamp: now(), body, secrets: [secret, secret] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(1);
  });

  it('does not verify a tampered body, another secret, another id or another timestamp', () => {
    const secret = generateWebhookSecret();
    const timestamp = now();
    const headers = signatureHeaders({ msgId, timestamp, body, secrets: [secret] });
    const tampered = body.replace('presa_in_carico', 'chiuso');
    expect(verificationError(secret, tampered, headers)).toBeInstanceOf(WebhookVerificationError);
    expect(verificationError(generateWebhookSecret(), body, headers)).toBeInstanceOf(WebhookVerificationError);
    expect(verificationError(secret, body, { ...headers, 'webhook-id': 'msg_other' })).toBeInstanceOf(WebhookVerificationError);
    const otherSecond = String(Number(headers['webhook-timestamp']) - 1);
    expect(verificationError(secret, body, { ...headers, 'webhook-timestamp': otherSecond })).toBeInstanceOf(WebhookVerificationError);
  });

  it('keeps webhook-id across attempts while the timestamp and signature follow each attempt', () => {
    const secret = generateWebhookSecret();
    const first = signatureHeaders({ msgId, timestamp: new Date(Date.now() - 60_000), body, secrets: [secret] });
    const retry = signatureHeaders({ msgId, timestamp: now(), body, secrets: [secret] });
    expect(retry['webhook-id']).toBe(first['webhook-id']);
    expect(retry['webhook-timestamp']).not.toBe(first['webhook-timestamp']);
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
    expect(new Webhook(secret).verify(body, first)).toBeDefined();
    expect(new Webhook(secret).verify(body, retry)).toBeDefined();
  });

  it("is subject to the verifier's 5-minute tolerance: each attempt must be signed when sent", () => {
    const secret = generateWebhookSecret();
    const sign = (offsetMs: number) => signatureHeaders({ msgId, timestamp: new Date(Date.now() + offsetMs), body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, sign(-4 * 60_000))).toBeDefined();
    expect(new Webhook(secret).verify(body, sign(4 * 60_000))).toBeDefined();
    const stale = verificationError(secret, body, sign(-6 * 60_000));
    expect(stale).toBeInstanceOf(WebhookVerificationError);
    expect((stale as Error).message).toMatch(/too old/);
    expect((verificationError(secret, body, sign(6 * 60_000)) as Error).message).toMatch(/too new/);
  });

  it('refuses to sign without a secret, id or valid timestamp', () => {
    expect(() => signatureHeaders({ msgId, timestamp: now(), body, secrets: [] })).toThrow(RangeError);
    expect(() => signatureHeaders({ msgId: '', timestamp: now(), body, secrets: [generateWebhookSecret()] })).toThrow(RangeError);
    expect(() => signatureHeaders({ msgId, timestamp: new Date(Number.NaN), body, secrets: [generateWebhookSecret()] })).toThrow(
      RangeError,
    );
  });
});
