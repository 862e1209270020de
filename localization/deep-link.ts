export interface AllowedDeepLinks {
  /** e.g. ['https', 'myapp'] (with or without the trailing colon, any case). */
  schemes: string[];
  /** Hosts allowed for web links; `*.example.com` allows subdomains of example.com (not example.com itself). */
  hosts: string[];
}

export type DeepLinkVerdict = { ok: true } | { ok: false; reason: string };

/** Never allowed, whatever the configuration says: they run code or smuggle content. */
const FORBIDDEN_SCHEMES = new Set(['javascript', 'data', 'vbscript', 'file', 'blob', 'about', 'filesystem']);
/** Schemes whose host names a server on the network: the host allow-list applies to them. */
const WEB_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp']);
const MAX_LENGTH = 2048;

/**
 * Checks a deep link against the deployment's allowed schemes and hosts. Web links must name an allowed host;
 * app links (`myapp://screen/1`) are routed by the app, so only their scheme is checked. Links with control
 * characters, whitespace, credentials or over 2 KB are rejected (the URL parser would silently strip some of them,
 * which is how `java\tscript:` slips through naive checks).
 */
export function validateDeepLink(url: string, allowed: AllowedDeepLinks): DeepLinkVerdict {
  if (url.length === 0) return { ok: false, reason: 'empty deep link' };
  if (url.length > MAX_LENGTH) return { ok: false, reason: `deep link longer than ${MAX_LENGTH} characters` };
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u0020\u007f-\u009f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/.test(url)) {
    return { ok: false, reason: 'deep link contains whitespace, control or invisible formatting characters' };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  if (FORBIDDEN_SCHEMES.has(scheme)) return { ok: false, reason: `scheme "${scheme}:" is never allowed` };
  const schemes = new Set(allowed.schemes.map((s) => s.toLowerCase().replace(/:$/, '')));
  if (!schemes.has(scheme)) return { ok: false, reason: `scheme "${scheme}:" is not allowed` };
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, reason: 'deep link must not carry credentials' };
  }
  if (!WEB_SCHEMES.has(scheme)) return { ok: true };
  const host = parsed.hostname.replace(/\.$/, '');
  if (host === '') return { ok: false, reason: 'web link without a host' };
  return allowed.hosts.some((pattern) => hostMatches(host, pattern))
    ? { ok: true }
    : { ok: false, reason: `host "${host}" is not allowed` };
}

function hostMatches(host: string, pattern: string): boolean {
  const wildcard = pattern.startsWith('*.');
  const normalized = normalizeHost(wildcard ? pattern.slice(2) : pattern);
  if (normalized === undefined) return false;
  return wildcard ? host.endsWith(`.${normalized}`) : host === normalized;
}

/** Lower case, punycode and no trailing dot, as the URL parser presents hosts. */
function normalizeHost(host: string): string | undefined {
  try {
    return new URL(`https://${host}/`).hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}
