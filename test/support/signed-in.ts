/**
 * The headers every request of the tests sends to a service by default (its base URL): the token of
 * the operator the test app signed in (startTestApp). Kept apart so that any helper can read them.
 */
const byBase = new Map<string, Record<string, string>>();

export const signedInHeaders = (base: string): Record<string, string> => byBase.get(base) ?? {};
export const setSignedIn = (base: string, headers: Record<string, string>): void => void byBase.set(base, headers);
export const forgetSignedIn = (base: string): void => {
  byBase.delete(base);
  documentReaders.delete(base);
  credentials.delete(base);
};

/** The username and password of the same operator: what a browser signs in with (openPage). */
const credentials = new Map<string, { username: string; password: string }>();
export const signInCredentials = (base: string) => credentials.get(base);
export const setSignInCredentials = (base: string, value: { username: string; password: string }): void =>
  void credentials.set(base, value);

/**
 * Who reads the OpenAPI document of a service for the conformance checks, when its clients do not
 * sign in by default (identity tests): the first admin's session.
 */
const documentReaders = new Map<string, Record<string, string>>();
export const setDocumentReader = (base: string, headers: Record<string, string>): void => void documentReaders.set(base, headers);
export const documentReaderHeaders = (base: string): Record<string, string> => documentReaders.get(base) ?? signedInHeaders(base);
