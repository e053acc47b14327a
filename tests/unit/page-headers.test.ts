// The page's headers (src/ui/page-headers.ts): connect-src allows exactly the page's origin and
// the hub (huggingface.co and the hosts it redirects downloads to), or exactly the endpoint it is
// pointed at (VITE_HF_ENDPOINT) with the download hosts given; the rest of the policy is fixed.
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, HF_DOWNLOAD_HOSTS, hubConnection, ISOLATION_HEADERS, pageHeaders } from '../../src/ui/page/headers';

const connectSrc = (csp: string) =>
  csp
    .split('; ')
    .find((d) => d.startsWith('connect-src '))!
    .split(' ')
    .slice(1);

describe('page headers', () => {
  it('by default: the page, huggingface.co and its download hosts, nothing else', () => {
    const csp = pageHeaders({})['Content-Security-Policy'];
    expect(connectSrc(csp)).toEqual(["'self'", 'https://huggingface.co', ...HF_DOWNLOAD_HOSTS]);
    for (const host of connectSrc(csp).slice(1)) expect(host).toMatch(/^https:\/\/([a-z0-9-]+\.)*(huggingface\.co|hf\.co)$/);
    expect(HF_DOWNLOAD_HOSTS).toEqual(expect.arrayContaining(['https://cas-bridge.xethub.hf.co', 'https://cdn-lfs.hf.co', 'https://cdn-lfs-us-1.hf.co']));
    expect(csp).toBe(
      `default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; connect-src ${connectSrc(csp).join(' ')}`,
    );
    expect(Object.keys(pageHeaders({}))).toEqual(['Content-Security-Policy', ...Object.keys(ISOLATION_HEADERS)]);
  });

  it('another endpoint: exactly its origin, plus the download hosts given for it', () => {
    expect(hubConnection({ VITE_HF_ENDPOINT: 'http://127.0.0.1:8123/' })).toEqual({ endpoint: 'http://127.0.0.1:8123', origins: ['http://127.0.0.1:8123'] });
    const c = hubConnection({
      VITE_HF_ENDPOINT: 'https://mirror.example/hub',
      VITE_HF_DOWNLOAD_HOSTS: 'https://cdn.mirror.example/x, http://127.0.0.1:9 https://cdn.mirror.example',
    });
    expect(c.endpoint).toBe('https://mirror.example/hub');
    expect(connectSrc(contentSecurityPolicy(c))).toEqual(["'self'", 'https://mirror.example', 'https://cdn.mirror.example', 'http://127.0.0.1:9']);
  });

  it('refuses an endpoint or host that is not an http(s) URL, naming it', () => {
    expect(() => hubConnection({ VITE_HF_ENDPOINT: 'huggingface.co' })).toThrow(/"huggingface\.co" is not a URL/);
    expect(() => hubConnection({ VITE_HF_DOWNLOAD_HOSTS: 'ftp://cdn.example' })).toThrow(
      /VITE_HF_DOWNLOAD_HOSTS entry "ftp:\/\/cdn\.example" must be http or https/,
    );
  });
});
