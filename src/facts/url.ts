/** URLs split into the parts rules look at: scheme, host (or mirror name), directories, file name. */
import type { UrlFacts } from '../model/facts.js';

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a malformed escape is still text to match
  }
};

export function urlFacts(url: string): UrlFacts {
  const m = /^([a-z][a-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)/i.exec(url);
  if (!m) return { url, scheme: '', host: '', dirs: [], fileName: decode(url.replace(/[?#].*$/, '')) };
  const segments = (m[3] ?? '').split('/').filter(Boolean).map(decode);
  const fileName = segments.length ? segments[segments.length - 1] : '';
  return {
    url,
    scheme: m[1].toLowerCase(),
    host: (m[2] ?? '').toLowerCase().replace(/:\d+$/, '').replace(/^[^@]*@/, ''),
    dirs: segments.slice(0, -1),
    fileName,
  };
}
