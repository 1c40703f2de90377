import { isIP } from 'node:net';

/**
 * Where webhooks may go (the SSRF guard's policy), from PERCORSI_WEBHOOK_ALLOW_HTTP and
 * PERCORSI_WEBHOOK_ALLOWLIST.
 */
export interface AddressPolicy {
  /** Accept plain http:// URLs (otherwise https only). */
  allowHttp: boolean;
  /** Host names (case-insensitive, exact), single IPs or CIDRs (v4 or v6) exempt from the non-public address check. */
  allowlist: string[];
}

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** An IP address as a number: 32 bits for IPv4, 128 for IPv6. */
interface Ip {
  family: 4 | 6;
  value: bigint;
}

interface Cidr {
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
function parseIp(text: string): Ip | null {
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

function parseCidr(text: string): Cidr | null {
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
function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`Invalid built-in CIDR ${text}`);
  return parsed;
}

function inCidr(ip: Ip, range: Cidr): boolean {
  if (ip.family !== range.family) return false;
  const shift = BigInt(bits(range.family) - range.prefix);
  return ip.value >> shift === range.network >> shift;
}

const NON_PUBLIC_V4 = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // private
  '100.64.0.0/10', // CGNAT (and Alibaba Cloud metadata 100.100.100.200)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata 169.254.169.254
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and the broadcast 255.255.255.255
].map(cidr);

const NON_PUBLIC_V6 = [
  '::/96', // unspecified ::, loopback ::1 and the deprecated IPv4-compatible addresses
  '64:ff9b:1::/48', // local-use NAT64 (RFC 8215)
  '100::/64', // discard-only
  'fc00::/7', // unique-local, incl. AWS metadata fd00:ec2::254
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local
  'ff00::/8', // multicast
].map(cidr);

/** IPv6 ranges that carry an IPv4 address, judged by it: NAT64 (in the low 32 bits) and 6to4 (bits 16-48). */
const NAT64 = cidr('64:ff9b::/96');
const SIX_TO_FOUR = cidr('2002::/16');

function isNonPublicIp(ip: Ip): boolean {
  if (ip.family === 4) return NON_PUBLIC_V4.some((range) => inCidr(ip, range));
  if (inCidr(ip, NAT64)) return isNonPublicIp({ family: 4, value: ip.value & 0xffffffffn });
  if (inCidr(ip, SIX_TO_FOUR)) return isNonPublicIp({ family: 4, value: (ip.value >> 80n) & 0xffffffffn });
  return NON_PUBLIC_V6.some((range) => inCidr(ip, range));
}

/**
 * True for addresses a webhook must not reach by default: IPv4 0.0.0.0/8, 10/8, 100.64/10 (CGNAT),
 * 127/8, 169.254/16 (link-local, cloud metadata 169.254.169.254), 172.16/12, 192.0.0.0/24,
 * 192.168/16, 198.18/15, 224/4, 240/4, 255.255.255.255; IPv6 ::, ::1 (all of ::/96), fc00::/7
 * (unique-local, incl. fd00:ec2::254), fe80::/10, fec0::/10, ff00::/8, 100::/64, 64:ff9b:1::/48;
 * IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96 and 6to4 2002::/16 judged by their embedded IPv4.
 * Anything that is not an IP address is non-public too.
 */
export function isNonPublicAddress(address: string): boolean {
  const ip = parseIp(address);
  return ip === null || isNonPublicIp(ip);
}

function normalizeHostname(hostname: string): string {
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

/** The SSRF guard: static URL checks, and the check of every address before connecting to it. */
export class AddressGuard {
  readonly allowHttp: boolean;
  private readonly hostnames = new Set<string>();
  private readonly ranges: Cidr[] = [];

  /** Throws when an allowlist entry is invalid (see allowlistEntryError). */
  constructor(policy: AddressPolicy) {
    this.allowHttp = policy.allowHttp;
    for (const entry of policy.allowlist) {
      if (entry.trim() === '') continue;
      const problem = allowlistEntryError(entry);
      if (problem) throw new Error(`PERCORSI_WEBHOOK_ALLOWLIST: ${problem}`);
      const range = parseCidr(entry.trim());
      if (range) this.ranges.push(range);
      else this.hostnames.add(normalizeHostname(entry));
    }
  }

  /**
   * Static checks of a URL (at subscription time and before each attempt): absolute http(s) URL,
   * https unless allowHttp, no userinfo (credentials) in it, length <= 2048. Returns a reason
   * (English sentence) or null.
   */
  checkUrl(url: string): string | null {
    if (typeof url !== 'string' || url.trim() === '') return 'The URL is empty.';
    if (url.length > MAX_WEBHOOK_URL_LENGTH) return `The URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters.`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'The URL is not a valid absolute URL.';
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      return `The URL must use https, not ${parsed.protocol.replace(/:$/, '')}.`;
    if (parsed.protocol === 'http:' && !this.allowHttp) {
      return 'The URL must use https (plain http is allowed only with PERCORSI_WEBHOOK_ALLOW_HTTP=true).';
    }
    if (parsed.username !== '' || parsed.password !== '') return 'The URL must not contain credentials (user information before the host).';
    if (parsed.hostname === '') return 'The URL has no host.';
    return null;
  }

  /** Whether `hostname` is in the allowlist by name. */
  isHostnameAllowlisted(hostname: string): boolean {
    return this.hostnames.has(normalizeHostname(hostname));
  }

  /**
   * Whether an address resolved for `hostname` may be connected to: allowed when the hostname is
   * allowlisted, or the address is in an allowlisted CIDR/IP, or the address is public.
   */
  isAllowed(hostname: string, address: string): boolean {
    if (this.isHostnameAllowlisted(hostname)) return true;
    const ip = parseIp(address);
    if (ip === null) return false;
    if (this.ranges.some((range) => inCidr(ip, range))) return true;
    return !isNonPublicIp(ip);
  }
}
