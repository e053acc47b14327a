// The page's HTTP headers, built in one place for the dev server, the preview server, the meta
// tag in index.html and the `_headers` file of a static build (vite.config.ts applies them):
// the Content-Security-Policy, whose connect-src allows exactly the page's own origin and the
// Hugging Face hub the page downloads models from (the hub itself and the hosts it redirects file
// downloads to), nothing else; and cross-origin isolation (COOP + COEP), which gives the page
// SharedArrayBuffer, which ONNX Runtime's WASM threads (the fallback without WebGPU) need.
// Pure: no Node or DOM APIs, so the page and the Vite config share it.
import { DEFAULT_HUB_ENDPOINT, normalizeEndpoint } from '../../model/hub/repo-id';

/**
 * Where https://huggingface.co redirects `resolve/main/<file>` downloads: the Xet storage's HTTP
 * bridge and the CDNs, as the hub's documentation lists them for proxies and firewalls. The Xet
 * protocol hosts (cas-server, transfer) are left out: a browser's fetch never speaks it.
 */
export const HF_DOWNLOAD_HOSTS: readonly string[] = [
  'https://cas-bridge.xethub.hf.co',
  'https://cas-bridge.xethub-eu.hf.co',
  'https://us.aws.cdn.hf.co',
  'https://us.gcp.cdn.hf.co',
  'https://cdn-lfs.hf.co',
  'https://cdn-lfs-us-1.hf.co',
  'https://cdn-lfs-eu-1.hf.co',
  'https://cdn-lfs.huggingface.co',
  'https://cdn-lfs-us-1.huggingface.co',
  'https://cdn-lfs-eu-1.huggingface.co',
];

/** The Vite env variables that point the page at another hub (a mirror, or a test's mock). */
export interface HubEnv {
  /** The hub endpoint, as HF_ENDPOINT for the hub's own tools; default https://huggingface.co. */
  VITE_HF_ENDPOINT?: string;
  /** Origins that endpoint redirects downloads to, separated by spaces or commas (default: none
   * for another endpoint, HF_DOWNLOAD_HOSTS for huggingface.co). */
  VITE_HF_DOWNLOAD_HOSTS?: string;
}

export interface HubConnection {
  endpoint: string;
  /** Every origin the page's hub downloads reach: the endpoint's, then its download hosts. */
  origins: string[];
}

function origin(url: string, what: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${what} "${url}" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`${what} "${url}" must be http or https`);
  return u.origin;
}

export function hubConnection(env: HubEnv): HubConnection {
  const endpoint = normalizeEndpoint(env.VITE_HF_ENDPOINT || DEFAULT_HUB_ENDPOINT);
  const own = origin(endpoint, 'VITE_HF_ENDPOINT');
  const given = (env.VITE_HF_DOWNLOAD_HOSTS ?? '').split(/[\s,]+/).filter(Boolean);
  const downloads = given.length
    ? given.map((h) => origin(h, 'VITE_HF_DOWNLOAD_HOSTS entry'))
    : own === origin(DEFAULT_HUB_ENDPOINT, '')
      ? [...HF_DOWNLOAD_HOSTS]
      : [];
  return { endpoint, origins: [...new Set([own, ...downloads])] };
}

export function contentSecurityPolicy(hub: HubConnection): string {
  return [
    "default-src 'self'",
    "img-src 'self' blob: data:",
    // Video files the user opens play from blob: URLs.
    "media-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    // ONNX Runtime's WASM (the fallback without WebGPU) is compiled by the page.
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    `connect-src 'self' ${hub.origins.join(' ')}`,
  ].join('; ');
}

/** Cross-origin isolation: without both, the page gets no SharedArrayBuffer (one WASM thread). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** The `_headers` file of a static build (the format Netlify and Cloudflare Pages read): every
 * header for every path. */
export function headersFile(headers: Record<string, string>): string {
  return `/*\n${Object.entries(headers)
    .map(([k, v]) => `  ${k}: ${v}\n`)
    .join('')}`;
}

/** Every header the page is served with. */
export function pageHeaders(env: HubEnv): Record<string, string> {
  return { 'Content-Security-Policy': contentSecurityPolicy(hubConnection(env)), ...ISOLATION_HEADERS };
}
