import { isIP } from 'node:net';

/*
 * IP addresses, CIDRs and host names as PERCORSI_WEBHOOK_ALLOWLIST writes them: parsed here, in the
 * configuration, so that a bad entry fails at start-up; the SSRF guard (webhooks/address-policy.ts)
 * matches addresses against them.
 */

/** An IP address as a number: 32 bits for IPv4, 128 for IPv6. */
export interface Ip {
  family: 4 | 6;
  value: bigint;
}

export interface Cidr {
  family: 4 | 6;
  /** The network, with the host bits cleared. */
  network: bigint;
  prefix: number;
}

/** ::ffff:0:0/96, built by hand: parseCidr turns IPv4-mapped networks into IPv4 ones. */
const V4_MAPPED: Cidr = { family: 6, network: 0xffffn << 32n, prefix: 96 };

/** Parses an IPv4 address in strict dotted-decimal form. */
function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const byte = Number(part);
    if (byte > 255) return null;
    value = (value << 8n) | BigInt(byte);
  }
  return value;
}

/** Parses an IPv6 address (with an optional dotted IPv4 tail and an optional %zone, which is ignored). */
function parseIPv6(text: string): bigint | null {
  const unzoned = text.split('%', 1)[0];
  if (isIP(unzoned) !== 6) return null;
  const expand = (side: string): number[] | null => {
    if (side === '') return [];
    const groups: number[] = [];
    for (const piece of side.split(':')) {
      if (piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === null) return null;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(piece)) return null;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const halves = unzoned.split('::');
  if (halves.length > 2) return null;
  const head = expand(halves[0]);
  const tail = halves.length === 2 ? expand(halves[1]) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** Parses an IP address (brackets around IPv6 tolerated); IPv4-mapped IPv6 addresses become IPv4. */
export function parseIp(text: string): Ip | null {
  const bare = stripBrackets(text.trim());
  const v4 = parseIPv4(bare);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIPv6(bare);
  if (v6 === null) return null;
  if (inCidr({ family: 6, value: v6 }, V4_MAPPED)) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

function stripBrackets(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? null : text.slice(slash + 1);
  const bare = stripBrackets(addressText.trim());
  let family: 4 | 6;
  let value: bigint | null = parseIPv4(bare);
  if (value !== null) family = 4;
  else {
    value = parseIPv6(bare);
    if (value === null) return null;
    family = 6;
  }
  let prefix = bits(family);
  if (prefixText !== null) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText.trim())) return null;
    prefix = Number(prefixText.trim());
    if (prefix > bits(family)) return null;
  }
  // An IPv4-mapped IPv6 network is the IPv4 network it maps, as addresses are compared as IPv4.
  if (family === 6 && prefix >= 96 && value >> 32n === 0xffffn) {
    family = 4;
    value &= 0xffffffffn;
    prefix -= 96;
  }
  const shift = BigInt(bits(family) - prefix);
  return { family, network: (value >> shift) << shift, prefix };
}

/** A CIDR known to be valid (the built-in ranges). */
export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`Invalid built-in CIDR ${text}`);
  return parsed;
}

export function inCidr(ip: Ip, range: Cidr): boolean {
  if (ip.family !== range.family) return false;
  const shift = BigInt(bits(range.family) - range.prefix);
  return ip.value >> shift === range.network >> shift;
}

export function normalizeHostname(hostname: string): string {
  return stripBrackets(hostname.trim().toLowerCase()).replace(/\.$/, '');
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Why an allowlist entry (a host name, an IP or a CIDR) is invalid, in English; null when it is valid. */
export function allowlistEntryError(entry: string): string | null {
  const text = entry.trim();
  if (text === '') return 'An allowlist entry is empty.';
  if (text.includes('/')) return parseCidr(text) ? null : `"${text}" is not a valid CIDR.`;
  if (parseCidr(text)) return null;
  if (HOSTNAME.test(normalizeHostname(text))) return null;
  return `"${text}" is neither a host name, an IP address nor a CIDR.`;
}
