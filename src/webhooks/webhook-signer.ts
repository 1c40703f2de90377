import { Webhook } from 'standardwebhooks';

export type SignatureHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

/**
 * Standard Webhooks headers for one attempt: webhook-id (msgId, the same on every retry and replay),
 * webhook-timestamp (seconds of `timestamp`, this attempt), webhook-signature: one 'v1,<b64>' per
 * secret, space-separated (current first, then a previous one during rotation grace). Signed with the
 * `standardwebhooks` library itself so stock verifiers accept it.
 */
export function signatureHeaders(args: { msgId: string; timestamp: Date; body: string; secrets: string[] }): SignatureHeaders {
  const { msgId, timestamp, body, secrets } = args;
  if (msgId === '') throw new RangeError('a webhook message needs an id');
  if (!(timestamp instanceof Date) || Number.isNaN(timestamp.getTime())) throw new RangeError('a webhook attempt needs a valid timestamp');
  if (secrets.length === 0) throw new RangeError('a webhook needs at least one secret to be signed with');
  // The same secret listed twice (a rotation to itself) would only repeat the signature.
  const signatures = [...new Set(secrets.map((secret) => new Webhook(secret).sign(msgId, timestamp, body)))];
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
