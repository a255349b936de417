// Signed-in users (the full build): `client.users`, over the wasm core's one `users` export.
// The sign-in's state and PKCE checks, the code exchange, the stored login and every refresh
// are the Rust core's (lark-core's managed user tokens); this file only adapts arguments.
import { buildError } from './client.js';

function userKey(user) {
  if (typeof user !== 'string' || user === '') throw buildError('a user key must be a non-empty string');
  return user;
}

// A redirect as a URL string, a URL, a Request (a Worker's callback) or the query alone.
function redirectText(redirect) {
  if (typeof redirect === 'string') return redirect;
  if (redirect instanceof URL) return redirect.href;
  if (typeof redirect?.url === 'string') return redirect.url;
  throw buildError('finishSignIn needs the redirect URL (a string, URL or Request)');
}

/** `client.users` of the core `core`. */
export function usersOf(core) {
  return {
    /** Starts a sign-in: `{ url, state, codeVerifier, redirectUri }` (keep it, secret, until the redirect). */
    beginSignIn({ redirectUri, scopes = [] } = {}) {
      return core.users(0, '', { redirectUri, scopes: [...scopes] });
    },
    /** Checks the redirect's state, trades its code (PKCE) and stores the login under `user`. */
    finishSignIn(user, pending, redirect) {
      return core.users(1, userKey(user), pending ?? {}, redirectText(redirect));
    },
    /** Forgets `user`'s login. */
    signOut(user) {
      return core.users(2, userKey(user));
    },
    /** `user`'s access token, refreshed when due. */
    accessToken(user) {
      return core.users(3, userKey(user));
    },
    /** `user`'s `{ scope, expiresAt, refreshExpiresAt }` (no token), or null when not signed in. */
    status(user) {
      return core.users(4, userKey(user));
    },
  };
}

/**
 * Signs `user` in from an MV3 extension with `chrome.identity.launchWebAuthFlow`: the redirect
 * URI is `chrome.identity.getRedirectURL(path)` (`https://<extension-id>.chromiumapp.org/<path>`,
 * which the app's security settings must list). Resolves to `{ scope, expiresAt, refreshExpiresAt }`.
 */
export async function signInWithWebAuthFlow(client, { user, scopes = [], interactive = true, path = 'lark', identity = globalThis.chrome?.identity } = {}) {
  if (typeof identity?.launchWebAuthFlow !== 'function' || typeof identity.getRedirectURL !== 'function') {
    throw buildError('signInWithWebAuthFlow needs chrome.identity: add "identity" to the extension\'s permissions');
  }
  const pending = await client.users.beginSignIn({ redirectUri: identity.getRedirectURL(path), scopes });
  const redirect = await identity.launchWebAuthFlow({ url: pending.url, interactive });
  if (typeof redirect !== 'string') {
    // No secret here: the flow was cancelled or failed before any code came back.
    throw buildError(`the sign-in did not complete: ${globalThis.chrome?.runtime?.lastError?.message ?? 'no redirect came back'}`);
  }
  return client.users.finishSignIn(user, pending, redirect);
}
