/** The two small rules of the OpenID sign-in: where a sign-in may go on to, and which roles a claim lists. */
import { describe, expect, it } from '@jest/globals';
import { claimedRoles } from '../../src/identity/oidc-bearer-verifier.js';
import { DEFAULT_NEXT, safeNext } from '../../src/identity/sign-in-next.js';

describe('safeNext', () => {
  it('keeps a path of this service, with its query and fragment', () => {
    for (const next of ['/', '/inspector', '/cases?status=active&x=%2F', '/inspector#case-1', '/me?next=//evil.example'])
      expect(safeNext(next)).toBe(next);
    // Resolved as a browser would: dot segments go.
    expect(safeNext('/a/../inspector')).toBe('/inspector');
  });

  it('turns anything that could leave the service into the default', () => {
    for (const next of [
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      'data:text/html,x',
      'inspector',
      '',
      ' /inspector',
      '/\tinspector',
      '/in\nspector',
      '/%5Cevil',
      `/${'a'.repeat(1000)}`,
      undefined,
      ['/inspector'],
      { next: '/inspector' },
    ]) {
      const result = safeNext(next);
      expect({ next, result: result === DEFAULT_NEXT || result.startsWith('/%5C') ? 'safe' : result }).toEqual({ next, result: 'safe' });
    }
  });
});

describe('claimedRoles', () => {
  it('reads an array, a space-separated string, or a dotted path into objects', () => {
    expect(claimedRoles({ roles: ['case_manager', 3, 'admin'] }, 'roles')).toEqual(['case_manager', 'admin']);
    expect(claimedRoles({ roles: ' analyst  trainer ' }, 'roles')).toEqual(['analyst', 'trainer']);
    expect(claimedRoles({ realm_access: { roles: ['supervisor'] } }, 'realm_access.roles')).toEqual(['supervisor']);
    // A claim whose own name has a dot wins over the path.
    expect(claimedRoles({ 'percorsi.roles': ['analyst'], percorsi: { roles: ['admin'] } }, 'percorsi.roles')).toEqual(['analyst']);
  });

  it('lists no role when the claim is missing or of another type', () => {
    for (const claims of [{}, { roles: null }, { roles: 7 }, { roles: { admin: true } }, { realm_access: 'x' }])
      expect(claimedRoles(claims, 'roles')).toEqual([]);
    expect(claimedRoles({ realm_access: 'x' }, 'realm_access.roles')).toEqual([]);
  });
});
