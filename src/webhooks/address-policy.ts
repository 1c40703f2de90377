import { allowlistEntryError, cidr, inCidr, normalizeHostname, parseCidr, parseIp, type Cidr, type Ip } from '../config/network-address.js';

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
