/**
 * Escaping for the renderers. Every string that comes from the derivation graph (names,
 * URLs, env-derived evidence, store paths) is attacker-controlled: a malicious derivation
 * can name itself `</script><img onerror=…>` or embed terminal escape sequences. Each
 * output format gets the escaping its own grammar needs, in one place, so a renderer never
 * interpolates raw graph text.
 */

/** Text or attribute value in HTML: the five characters that can change the parse. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] as string);

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * JSON that is safe inside an HTML `<script>` element: `<`, `>` and `&` become \u escapes
 * so `</script>` or `<!--` in a value cannot end or alter the element, and U+2028/U+2029
 * are escaped because older JavaScript parsers treat them as line terminators.
 */
export const jsonForScript = (value: unknown): string =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Characters that can make terminal or single-line output lie about its content: C0/C1
 * controls (ANSI escape sequences, carriage returns that overwrite a line), the Unicode
 * line/paragraph separators and the bidirectional overrides (which can visually reorder a
 * name, "Trojan Source").
 */
const CONTROL_CHARS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\u200e\\u200f\\u061c';
const CONTROL = new RegExp(`[${CONTROL_CHARS}]`, 'g');

const visible = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
};

/** Replaces control, separator and bidi characters with visible `\xNN` / `\u{NNNN}` escapes. */
export const escapeControl = (s: string): string => s.replace(CONTROL, visible);

/**
 * XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/U+FFFF outright (a
 * conforming parser rejects the whole document), so they become visible escapes; tab and
 * newline are legal and kept so multi-line failure bodies stay readable. The rest of the
 * control and bidi set is escaped for the same reason as {@link escapeControl}.
 */
const XML_UNSAFE = new RegExp(
  `[${CONTROL_CHARS.replace('\\u0000-\\u001f', '\\u0000-\\u0008\\u000b-\\u001f')}\\ufffe\\uffff]` +
    '|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  'g',
);

/** Makes a string legal XML 1.0 character data; entity escaping is left to the XML builder. */
export const xmlSafe = (s: string): string => s.replace(XML_UNSAFE, visible);

/**
 * Inline Markdown text (GitHub-flavoured): HTML-significant characters become entities so no
 * tag survives, and every other ASCII punctuation character that Markdown gives meaning
 * to is backslash-escaped (CommonMark allows a backslash before any ASCII punctuation).
 * Pipes are escaped so a name cannot add table columns; controls and newlines are made
 * visible so a value stays on its table row.
 */
export const escapeMarkdown = (s: string): string =>
  escapeControl(s)
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/[&<>"]/g, (c) => HTML_ENTITIES[c] as string);

/**
 * A Markdown code span holding `s` literally: nothing inside is parsed as emphasis, HTML or
 * an autolink. The fence is one backtick longer than the longest run inside, padded with a
 * space when the content touches a backtick. In a table cell pipes are still escaped,
 * because GFM splits cells before it parses code spans (and drops the backslash after).
 */
export const markdownCode = (s: string, inTable = false): string => {
  const controlled = escapeControl(s);
  const text = inTable ? controlled.replace(/\|/g, '\\|') : controlled;
  if (text === '') return '';
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
};
