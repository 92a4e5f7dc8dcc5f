/** URLs split into the parts rules look at: scheme, host (or mirror name), directories, file name. */
import type { UrlFacts } from '../model/facts.js';

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a malformed escape is still text to match
  }
};

/**
 * Rules match these texts with regexes, whose cost can grow faster than the text: bounding the
 * text bounds every match. A URL longer than 4096 characters is cut (no download URL is that
 * long), a file name is kept to its last 255 (NAME_MAX: no file on disk has a longer name).
 */
export const MAX_URL = 4096;
export const MAX_FILE_NAME = 255;

export function urlFacts(fullUrl: string): UrlFacts {
  const url = fullUrl.length > MAX_URL ? fullUrl.slice(0, MAX_URL) : fullUrl;
  const f = urlParts(url);
  if (f.fileName.length > MAX_FILE_NAME) f.fileName = f.fileName.slice(-MAX_FILE_NAME);
  return f;
}

function urlParts(url: string): UrlFacts {
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
