import { describe, expect, it } from '@jest/globals';
import { allowlistEntryError } from '../../src/config/network-address.js';
import { AddressGuard, isNonPublicAddress } from '../../src/webhooks/address-policy.js';

describe('isNonPublicAddress', () => {
  it('lets public IPv4 and IPv6 addresses through, including just outside every refused range', () => {
    const publicAddresses = [
      '8.8.8.8',
      '1.1.1.1',
      '2001:4860:4860::8888',
      '2606:4700:4700::1111',
      '1.0.0.0', // after 0/8
      '9.255.255.255', // around 10/8
      '11.0.0.0',
      '100.63.255.255', // around 100.64/10
      '100.128.0.0',
      '126.255.255.255', // around 127/8
      '128.0.0.0',
      '169.253.255.255', // around 169.254/16
      '169.255.0.0',
      '172.15.255.255', // around 172.16/12
      '172.32.0.0',
      '191.255.255.255', // around 192.0.0/24
      '192.0.1.0',
      '192.167.255.255', // around 192.168/16
      '192.169.0.0',
      '198.17.255.255', // around 198.18/15
      '198.20.0.0',
      '223.255.255.255', // before 224/4
      '::ffff:8.8.8.8', // IPv4-mapped, judged by the IPv4
      '64:ff9b::808:808', // NAT64 of 8.8.8.8
      '2002:808:808::1', // 6to4 of 8.8.8.8
      'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', // before fc00::/7
      'fe00::1', // between fc00::/7 and fe80::/10
      'fe7f::1', // before fe80::/10
    ];
    for (const address of publicAddresses) expect([address, isNonPublicAddress(address)]).toEqual([address, false]);
  });

  it('refuses loopback, private, link-local, CGNAT, unique-local, multicast and metadata addresses, at the range boundaries', () => {
    const nonPublic = [
      '0.0.0.0',
      '0.255.255.255',
      '10.0.0.0',
      '10.0.0.1',
      '10.255.255.255',
      '100.64.0.0',
      '100.64.0.1',
      '100.100.100.200', // Alibaba Cloud metadata
      '100.127.255.255',
      '127.0.0.0',
      '127.0.0.1',
      '127.255.255.255',
      '169.254.0.0',
      '169.254.169.254', // cloud metadata
      '169.254.255.255',
      '172.16.0.0',
      '172.31.255.255',
      '192.0.0.0',
      '192.0.0.255',
      '192.168.0.0',
      '192.168.255.255',
      '198.18.0.0',
      '198.19.255.255',
      '224.0.0.0',
      '239.255.255.255',
      '240.0.0.0',
      '255.255.255.255',
      '::',
      '::1',
      '[::1]',
      'fc00::',
      'fd00:ec2::254', // AWS metadata over IPv6
      'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      'fe80::',
      'fe80::1%eth0',
      'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      'ff00::',
      'ff02::1',
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      '::ffff:127.0.0.1', // IPv4-mapped
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      '::ffff:0:0',
      '64:ff9b::a00:1', // NAT64 of 10.0.0.1
      '64:ff9b::127.0.0.1',
      '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
      '2002:a9fe:a9fe::', // 6to4 of 169.254.169.254
    ];
    for (const address of nonPublic) expect([address, isNonPublicAddress(address)]).toEqual([address, true]);
  });

  it('treats anything that is not an IP address as non-public', () => {
    for (const text of ['', 'localhost', 'example.com', '1.2.3', '01.2.3.4', '256.1.1.1', '1::2::3', '::ffff:1.2.3']) {
      expect([text, isNonPublicAddress(text)]).toEqual([text, true]);
    }
  });
});

describe('AddressGuard.checkUrl', () => {
  const strict = new AddressGuard({ allowHttp: false, allowlist: [] });
  const lax = new AddressGuard({ allowHttp: true, allowlist: [] });

  it('accepts absolute https URLs, and http only when allowed', () => {
    expect(strict.checkUrl('https://hooks.example.com/percorsi?x=1')).toBeNull();
    expect(strict.checkUrl('https://hooks.example.com:8443/')).toBeNull();
    expect(strict.checkUrl('http://hooks.example.com/')).toMatch(/https/);
    expect(lax.checkUrl('http://hooks.example.com/')).toBeNull();
  });

  it('refuses other schemes, relative and malformed URLs, credentials and URLs over 2048 characters', () => {
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://example.com/']) {
      expect(lax.checkUrl(url)).toMatch(/https/);
    }
    expect(lax.checkUrl('/hooks')).toMatch(/absolute/);
    expect(lax.checkUrl('not a url')).toMatch(/absolute/);
    expect(lax.checkUrl('')).toMatch(/empty/);
    expect(lax.checkUrl('https://user:secret@example.com/')).toMatch(/credentials/);
    expect(lax.checkUrl('https://user@example.com/')).toMatch(/credentials/);
    const base = 'https://example.com/';
    expect(lax.checkUrl(base + 'a'.repeat(2048 - base.length))).toBeNull();
    expect(lax.checkUrl(base + 'a'.repeat(2049 - base.length))).toMatch(/2048/);
  });
});

describe('AddressGuard.isAllowed', () => {
  it('allows public addresses and refuses non-public ones with an empty allowlist', () => {
    const guard = new AddressGuard({ allowHttp: false, allowlist: [] });
    expect(guard.isAllowed('example.com', '93.184.215.14')).toBe(true);
    expect(guard.isAllowed('example.com', '2606:2800:21f:cb07:6820:80da:af6b:8b2c')).toBe(true);
    expect(guard.isAllowed('example.com', '127.0.0.1')).toBe(false);
    expect(guard.isAllowed('169.254.169.254', '169.254.169.254')).toBe(false);
    expect(guard.isAllowed('example.com', 'not-an-address')).toBe(false);
  });

  it('allows any address of an allowlisted host name: case-insensitive, exact, trailing dot ignored', () => {
    const guard = new AddressGuard({ allowHttp: false, allowlist: ['LocalHost', ' receiver.internal '] });
    expect(guard.isAllowed('localhost', '127.0.0.1')).toBe(true);
    expect(guard.isAllowed('LOCALHOST.', '::1')).toBe(true);
    expect(guard.isAllowed('receiver.internal', '10.1.2.3')).toBe(true);
    expect(guard.isAllowed('sub.localhost', '127.0.0.1')).toBe(false);
    expect(guard.isAllowed('localhost.evil.example', '127.0.0.1')).toBe(false);
    expect(guard.isAllowed('other.internal', '10.1.2.3')).toBe(false);
  });

  it('allows addresses in an allowlisted IPv4 CIDR or single IP, whatever the host name', () => {
    const guard = new AddressGuard({ allowHttp: false, allowlist: ['10.0.0.0/8', '169.254.169.254', '192.168.1.7/32'] });
    expect(guard.isAllowed('a.internal', '10.0.0.1')).toBe(true);
    expect(guard.isAllowed('a.internal', '10.255.255.255')).toBe(true);
    expect(guard.isAllowed('a.internal', '::ffff:10.2.3.4')).toBe(true);
    expect(guard.isAllowed('a.internal', '172.16.0.1')).toBe(false);
    expect(guard.isAllowed('metadata', '169.254.169.254')).toBe(true);
    expect(guard.isAllowed('metadata', '169.254.169.253')).toBe(false);
    expect(guard.isAllowed('x', '192.168.1.7')).toBe(true);
    expect(guard.isAllowed('x', '192.168.1.8')).toBe(false);
  });

  it('allows addresses in an allowlisted IPv6 CIDR or single IPv6 address', () => {
    const guard = new AddressGuard({ allowHttp: false, allowlist: ['fd00::/8', '::1', '[fe80::1]'] });
    expect(guard.isAllowed('x', 'fd00:ec2::254')).toBe(true);
    expect(guard.isAllowed('x', 'fdff::1')).toBe(true);
    expect(guard.isAllowed('x', 'fc00::1')).toBe(false);
    expect(guard.isAllowed('x', '::1')).toBe(true);
    expect(guard.isAllowed('x', 'fe80::1')).toBe(true);
    expect(guard.isAllowed('x', 'fe80::2')).toBe(false);
    expect(guard.isAllowed('x', '127.0.0.1')).toBe(false);
  });

  it('matches IPv4-mapped addresses against IPv4 entries, and mapped entries against IPv4 addresses', () => {
    expect(new AddressGuard({ allowHttp: true, allowlist: ['127.0.0.0/8'] }).isAllowed('x', '::ffff:127.0.0.1')).toBe(true);
    expect(new AddressGuard({ allowHttp: true, allowlist: ['::ffff:127.0.0.1'] }).isAllowed('x', '127.0.0.1')).toBe(true);
  });

  it('rejects invalid allowlist entries when built, and explains them', () => {
    for (const entry of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0/8', 'exa mple.com', 'example.com:8080', 'https://example.com']) {
      expect(allowlistEntryError(entry)).not.toBeNull();
      expect(() => new AddressGuard({ allowHttp: false, allowlist: [entry] })).toThrow(/PERCORSI_WEBHOOK_ALLOWLIST/);
    }
    for (const entry of ['localhost', 'hooks.example.com', '127.0.0.1', '127.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0']) {
      expect(allowlistEntryError(entry)).toBeNull();
    }
    // Empty entries (from "a,,b" or a trailing comma) are skipped.
    expect(() => new AddressGuard({ allowHttp: false, allowlist: ['', ' '] })).not.toThrow();
  });
});
