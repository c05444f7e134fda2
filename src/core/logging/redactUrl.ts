import { scrubSecrets } from './scrubSecrets';

const SECRET_QUERY_KEYS = /^(access_token|private_token|oauth_token|token|api_key|apikey|password)$/i;

/**
 * A git remote as it may be shown or stored: an http(s) URL loses its user and password (a token
 * is often the user), any other scheme its password, and token query parameters go. `ssh://git@`
 * and `git@host:path` keep their user, which is not a secret. Text that is not a URL is scrubbed.
 */
export function redactUrl(remote: string): string {
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return scrubSecrets(remote);
  }
  if (!/^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) || !remote.includes('//')) {
    return scrubSecrets(remote);
  }
  const web = url.protocol === 'https:' || url.protocol === 'http:';
  const hadSecret = url.password !== '' || (web && url.username !== '') || [...url.searchParams.keys()].some((key) => SECRET_QUERY_KEYS.test(key));
  if (!hadSecret) {
    return remote;
  }
  if (web) {
    url.username = '';
  }
  url.password = '';
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_QUERY_KEYS.test(key)) {
      url.searchParams.delete(key);
    }
  }
  return url.toString();
}

/** Whether the remote carries credentials that redactUrl would remove. */
export function hasUrlCredentials(remote: string): boolean {
  return redactUrl(remote) !== remote;
}
