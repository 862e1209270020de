import { describe, expect, it } from 'vitest';
import { validateDeepLink } from '../../localization';

const allowed = { schemes: ['https', 'myapp:'], hosts: ['example.com', '*.example.org', 'bücher.de'] };
const verdict = (url: string) => validateDeepLink(url, allowed);

describe('validateDeepLink', () => {
  it('accepts allowed schemes and hosts, wildcards for subdomains, and app links', () => {
    for (const url of [
      'https://example.com/friends/42',
      'HTTPS://EXAMPLE.COM/x?y=1#z',
      'https://example.com.:8443/x',
      'https://app.example.org/inbox',
      'https://a.b.example.org/',
      'https://xn--bcher-kva.de/',
      'https://bücher.de/',
      'myapp://profile/123',
      'MyApp://settings',
    ]) {
      expect(verdict(url), url).toEqual({ ok: true });
    }
  });

  it('rejects script and data schemes even when configured', () => {
    const permissive = { schemes: ['javascript', 'data', 'vbscript', 'file', 'https'], hosts: ['example.com'] };
    for (const url of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.cookie)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
    ]) {
      const result = validateDeepLink(url, permissive);
      expect(result.ok, url).toBe(false);
      expect(!result.ok && result.reason).toMatch(/never allowed/);
    }
  });

  it('rejects smuggling tricks the URL parser would otherwise normalise away', () => {
    for (const url of [
      'java\tscript:alert(1)',
      ' javascript:alert(1)',
      'https://example.com/\nx',
      'java\u200bscript:x',
    ]) {
      expect(verdict(url).ok, JSON.stringify(url)).toBe(false);
    }
  });

  it('rejects unknown hosts, look-alikes, credentials and schemes not configured', () => {
    const cases: [string, RegExp][] = [
      ['https://evil.com/', /host "evil.com" is not allowed/],
      ['https://example.com.evil.com/', /not allowed/],
      ['https://notexample.com/', /not allowed/],
      ['https://example.org/', /not allowed/], // *.example.org covers subdomains only
      ['https://example.com@evil.com/', /host "evil.com"|credentials/],
      ['https://user:pw@example.com/', /credentials/],
      ['http://example.com/', /scheme "http:" is not allowed/],
      ['otherapp://x', /scheme "otherapp:" is not allowed/],
      ['/relative/path', /not an absolute URL/],
      ['', /empty/],
      ['https://example.com/' + 'a'.repeat(3000), /longer than/],
    ];
    for (const [url, reason] of cases) {
      const result = verdict(url);
      expect(result.ok, url).toBe(false);
      expect(!result.ok && result.reason, url).toMatch(reason);
    }
  });

  it('rejects everything when nothing is allowed', () => {
    expect(validateDeepLink('https://example.com/', { schemes: [], hosts: [] }).ok).toBe(false);
    expect(validateDeepLink('https://example.com/', { schemes: ['https'], hosts: [] }).ok).toBe(false);
  });
});
