/**
 * Reads a derivation in the ATerm form Nix and Guix store it in (`/nix/store/*.drv`),
 * without any nix binary:
 *
 *   Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])
 *   DrvWithVersion("xp-dyn-drv",[outputs],[inputDrvs],...)   (dynamic derivations)
 *
 * It runs on every .drv of a closure (100k files for a NixOS system), so it is a single
 * forward scan over the string: string bodies without escapes are found with indexOf and
 * sliced, never walked a character at a time. The grammar is what Nix writes; anything
 * else is an InputError naming the file and the byte offset, because a derivation we
 * cannot read must never pass the gate.
 */
import { InputError } from '../errors.js';
import { parseHash, toSRI } from '../graph/hash.js';
import { fixedOutputPath, isValidStoreName, outputPathName, storePathProblem } from '../graph/store-path.js';
import { DEFAULT_SPLIT_LIMITS, nestsDeeperThan } from '../graph/json-stream.js';
import { leanAttrs, record, type Interner } from '../graph/lean.js';
import {
  LEAN_ENV_KEYS,
  storePathName,
  type Derivation,
  type DerivationOutput,
  type FixedHash,
  type HashMethod,
} from '../model/graph.js';

const QUOTE = 34; // "
const COMMA = 44; // ,
const LPAREN = 40; // (
const RPAREN = 41; // )
const LBRACKET = 91; // [
const RBRACKET = 93; // ]

/** The only versioned ATerm form Nix has defined; unknown versions are refused like Nix does. */
const DYN_DRV_VERSION = 'xp-dyn-drv';
/** Dynamic-derivation output maps nest one level per `drv^out^out`; real ones are shallow. */
const MAX_DYN_DEPTH = 64;

/** Messages quote text from the file; control characters would break the one-line error. */
export const oneLine = (s: string): string =>
  s.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
/** Quote a value from the file in a message, cut short so a hostile file cannot flood it. */
const show = (s: string): string => JSON.stringify(s.length > 200 ? s.slice(0, 200) + '…' : s);

/** Input derivations are keyed by unique paths: a hash table (see `record` for the others). */
const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

class Scanner {
  pos = 0;
  /** Next backslash at or after `pos` (cached so the no-escape test stays linear overall). */
  private nextBackslash = -2;
  private readonly len: number;
  /** where the last `str()` body was, when it had no escapes (else -1) */
  private plainStart = -1;
  private plainEnd = -1;

  constructor(
    readonly text: string,
    readonly file: string,
    /** the file's bytes when they are all ASCII (then byte offsets are string offsets), else null */
    private readonly bytes: Buffer | null = null,
  ) {
    this.len = text.length;
  }

  /**
   * The last `str()` result, made independent of `text`: V8 keeps a whole string alive for any
   * slice of it of 13 characters or more, so a kept slice would keep the whole .drv text. An
   * ASCII file's string is decoded afresh from its bytes; a string with escapes is already
   * its own (built by join); a slice of a non-ASCII file (rare) stays a slice.
   */
  own(s: string): string {
    return this.plainStart >= 0 && this.bytes !== null ? this.bytes.toString('latin1', this.plainStart, this.plainEnd) : s;
  }

  /** Skip a quoted string without making it (a value nothing will read). */
  skipStr(): void {
    const t = this.text;
    const start = this.pos + 1;
    if (t.charCodeAt(this.pos) !== QUOTE) this.fail("expected '\"'");
    let from = start;
    for (;;) {
      const q = t.indexOf('"', from);
      if (q < 0) this.fail('unterminated string');
      // a quote after an odd run of backslashes is escaped (`\"` ends the string, `\\"` too)
      let b = q;
      while (b > start && t.charCodeAt(b - 1) === 92) b--;
      if ((q - b) % 2 === 0) {
        this.pos = q + 1;
        return;
      }
      from = q + 1;
    }
  }

  fail(what: string, at = this.pos): never {
    // Offsets are reported in bytes so `cmp`/`xxd` on the file point at the same place.
    const byte = Buffer.byteLength(this.text.slice(0, Math.min(at, this.len)), 'utf8');
    const where = at >= this.len ? `byte ${byte} (end of file)` : `byte ${byte}`;
    throw new InputError(oneLine(`${this.file}: malformed derivation at ${where}: ${what}`));
  }

  expect(code: number): void {
    if (this.text.charCodeAt(this.pos) !== code) this.fail(`expected '${String.fromCharCode(code)}'`);
    this.pos++;
  }

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  /** After a list element: true at `]` (consumed), false at `,` (consumed). */
  endOfList(): boolean {
    const c = this.text.charCodeAt(this.pos);
    if (c === COMMA) {
      this.pos++;
      return false;
    }
    if (c === RBRACKET) {
      this.pos++;
      return true;
    }
    return this.fail("expected ',' or ']'");
  }

  /** `[` then, if the list is empty, `]` too. Returns true when the list was empty. */
  openList(): boolean {
    this.expect(LBRACKET);
    if (this.text.charCodeAt(this.pos) === RBRACKET) {
      this.pos++;
      return true;
    }
    return false;
  }

  /**
   * A quoted string. Nix escapes `"` `\` newline, tab and CR when writing, and when reading
   * maps `\n` `\t` `\r` back and any other `\x` to `x`; the same is done here.
   */
  str(): string {
    const t = this.text;
    const start = this.pos + 1;
    if (t.charCodeAt(this.pos) !== QUOTE) this.fail("expected '\"'");
    const close = t.indexOf('"', start);
    if (close < 0) this.fail('unterminated string');
    let bs = this.nextBackslash;
    if (bs !== -1 && bs < start) bs = this.nextBackslash = t.indexOf('\\', start);
    if (bs === -1 || bs > close) {
      this.pos = close + 1;
      this.plainStart = start;
      this.plainEnd = close;
      return t.slice(start, close);
    }
    this.plainStart = -1;
    return this.escaped(start, bs, close);
  }

  private escaped(start: number, bs: number, close: number): string {
    const t = this.text;
    // Parts joined into flat strings (join keeps no slice of `text` alive), a bounded batch at
    // a time: a 32 MiB value that is nothing but escapes has 32 million parts, and one array of
    // them all (or a rope of `+=`) peaked at over 1 GB.
    const out: string[] = [];
    const flat: string[] = [];
    const push = (part: string): void => {
      out.push(part);
      if (out.length >= ESCAPE_BATCH) {
        flat.push(out.join(''));
        out.length = 0;
      }
    };
    let from = start;
    // `bs` is the next backslash and `close` the next quote at or after `from`; each is
    // searched for again only once the scan has passed it, so long strings full of
    // escapes still cost one pass.
    for (;;) {
      if (bs === -1 || bs > close) {
        this.pos = close + 1;
        this.nextBackslash = bs;
        out.push(t.slice(from, close));
        if (flat.length === 0) return out.join('');
        flat.push(out.join(''));
        return flat.join('');
      }
      // bs < close, so the escaped character exists.
      if (bs > from) push(t.slice(from, bs));
      const c = t.charCodeAt(bs + 1);
      push(c === 110 ? '\n' : c === 116 ? '\t' : c === 114 ? '\r' : t[bs + 1]);
      from = bs + 2;
      if (close < from) {
        close = t.indexOf('"', from);
        if (close < 0) this.fail('unterminated string', start - 1);
      }
      if (bs < from) bs = t.indexOf('\\', from);
    }
  }

  /** A list of strings: `[]` or `["a","b"]`, each passed through `keep` as it is read. */
  strings(keep: (s: string) => string = (s) => s): string[] {
    const out: string[] = [];
    if (this.openList()) return out;
    do out.push(keep(this.str()));
    while (!this.endOfList());
    return out;
  }
}

/** Parts of an escaped string joined into one flat piece at a time (see Scanner.escaped). */
const ESCAPE_BATCH = 4096;

/** A store path directly inside `storeDir` (what Nix's parseStorePath accepts). */
function checkStorePath(sc: Scanner, p: string, storeDir: string, what: string, at: number): void {
  // the same check as the JSON reader's: both accept exactly the same paths
  const problem = storePathProblem(p, storeDir);
  if (problem) sc.fail(`${what} ${show(p)} ${problem}`, at);
}

const METHOD_PREFIXES: [string, HashMethod][] = [
  ['r:', 'nar'],
  ['text:', 'text'],
  ['git:', 'git'],
];

/** `r:sha256` -> nar/sha256; `text:sha256`, `git:sha1`; no prefix is flat. */
function splitHashAlgo(s: string): { method: HashMethod; algo: string } {
  for (const [prefix, method] of METHOD_PREFIXES) {
    if (s.startsWith(prefix)) return { method, algo: s.slice(prefix.length) };
  }
  return { method: 'flat', algo: s };
}

function parseOutput(sc: Scanner, drvName: string, outName: string, storeDir: string, at: number, keep: (s: string) => string): DerivationOutput {
  sc.expect(COMMA);
  const pathAt = sc.pos;
  const path = keep(sc.str());
  sc.expect(COMMA);
  const algoAt = sc.pos;
  const hashAlgo = sc.str();
  sc.expect(COMMA);
  const hash = sc.str();
  sc.expect(RPAREN);

  if (path !== '') checkStorePath(sc, path, storeDir, `output ${show(outName)} path`, pathAt);
  if (hashAlgo === '') {
    if (hash !== '') sc.fail(`output ${show(outName)} has a hash but no hash algorithm`, algoAt);
    // input-addressed, or deferred (empty path) until its inputs are built
    return { path: path === '' ? null : path, fixed: null };
  }
  const { method, algo } = splitHashAlgo(hashAlgo);
  if (hash === '' || hash === 'impure') {
    // floating content-addressed or impure: the path is only known after the build
    if (path !== '')
      sc.fail(`${hash === '' ? 'floating' : 'impure'} output ${show(outName)} must not name a path`, pathAt);
    return { path: null, fixed: null };
  }
  if (path === '') sc.fail(`fixed output ${show(outName)} has no path`, pathAt);
  let fixed: FixedHash;
  let bytes: Buffer;
  try {
    const parsed = parseHash(hash, algo);
    if (parsed.algo !== algo) throw new Error(`hash ${show(hash)} is not a ${algo} hash`);
    bytes = parsed.bytes;
    fixed = { method, algo, sri: toSRI(parsed) };
  } catch (e) {
    return sc.fail(`output ${show(outName)}: ${(e as Error).message.slice(0, 300)}`, algoAt);
  }
  // The path is a function of the hash, so a .drv whose stated path disagrees was edited
  // after evaluation and does not mean what it says (Nix refuses it too).
  const expected = fixedOutputPath(method, algo, bytes, storeDir, outputPathName(drvName, outName));
  if (expected !== path) {
    sc.fail(`fixed output ${show(outName)} path ${show(path)} does not match its hash (expected ${expected})`, at);
  }
  return { path, fixed };
}

/**
 * One inputDrvs value. The traditional form is a list of output names; `xp-dyn-drv` may
 * instead give `([outputs],[(output,<node>),...])`, where the nested nodes name outputs
 * of derivations that are themselves outputs of this input. Returns the static outputs
 * and whether there were nested (dynamic) ones.
 */
function parseInputNode(sc: Scanner, dynamicForm: boolean, depth: number): { outputs: string[]; dynamic: boolean } {
  const c = sc.peek();
  if (c === LBRACKET) return { outputs: sc.strings(), dynamic: false };
  if (c !== LPAREN || !dynamicForm) {
    return sc.fail(
      dynamicForm
        ? "expected '[' or '(' for input outputs"
        : 'expected \'[\' (nested input outputs need the DrvWithVersion("xp-dyn-drv") form)',
    );
  }
  if (depth >= MAX_DYN_DEPTH) sc.fail(`dynamic input outputs nested more than ${MAX_DYN_DEPTH} deep`);
  sc.pos++;
  const outputs = sc.strings();
  sc.expect(COMMA);
  let dynamic = false;
  if (!sc.openList()) {
    do {
      sc.expect(LPAREN);
      sc.str();
      sc.expect(COMMA);
      parseInputNode(sc, dynamicForm, depth + 1);
      sc.expect(RPAREN);
      dynamic = true;
    } while (!sc.endOfList());
  }
  sc.expect(RPAREN);
  return { outputs, dynamic };
}

/** How readDrvGraph reads: strings shared across the graph, and the file's bytes when ASCII. */
export interface LeanRead {
  strings: Interner;
  /** the bytes `text` was decoded from, when every byte is ASCII (offsets then agree) */
  bytes: Buffer | null;
}

/**
 * Parse one ATerm `.drv`. With `lean` (readDrvGraph), paths, builder, system and arguments
 * are shared through `lean.strings`, kept strings never keep the file's text alive, and a
 * derivation without a fixed output keeps only the environment keys the facts stage reads
 * (LEAN_ENV_KEYS); the others are checked for syntax and skipped.
 * @param drvPath the derivation's full store path (names it in the model, and its name part
 *   names the derivation when env has no `name`)
 * @param storeDir the store every path must be in; defaults to the directory of `drvPath`
 *   when that is absolute, else /nix/store
 * @param file how to name the file in errors (defaults to `drvPath`)
 */
export function parseDrv(text: string, drvPath: string, storeDir?: string, file: string = drvPath, lean?: LeanRead): Derivation {
  const sc = new Scanner(text, file, lean?.bytes ?? null);
  const strings = lean?.strings;
  /** a string the model keeps, shared with every equal one read before */
  const keep = (s: string): string => (strings ? strings.ofSlice(s, () => sc.own(s)) : s);
  const slash = drvPath.lastIndexOf('/');
  const store = storeDir ?? (slash > 0 && drvPath.startsWith('/') ? drvPath.slice(0, slash) : '/nix/store');
  const pathName = storePathName(drvPath);

  let dynamicForm = false;
  if (text.startsWith('Derive(')) {
    sc.pos = 7;
  } else if (text.startsWith('DrvWithVersion(')) {
    sc.pos = 15;
    const versionAt = sc.pos;
    const version = sc.str();
    if (version !== DYN_DRV_VERSION) {
      sc.fail(`unknown derivation format version ${show(version)} (this reader knows "${DYN_DRV_VERSION}")`, versionAt);
    }
    sc.expect(COMMA);
    dynamicForm = true;
  } else {
    sc.fail("not a derivation: it does not start with 'Derive(' or 'DrvWithVersion('", 0);
  }

  // Output path names derive from the .drv's own name (Nix's `Derivation::name`), not
  // env.name; the two agree for anything Nix wrote.
  const outputs = record<DerivationOutput>();
  if (!sc.openList()) {
    do {
      const at = sc.pos;
      sc.expect(LPAREN);
      const outName = sc.str();
      const out = parseOutput(sc, pathName, outName, store, at, keep);
      // Nix keeps the first of duplicate output names.
      if (!(outName in outputs)) outputs[outName] = out;
    } while (!sc.endOfList());
  }

  sc.expect(COMMA);
  const inputDrvs = dict<string[]>();
  let dynamicInputs: string[] | undefined;
  if (!sc.openList()) {
    do {
      sc.expect(LPAREN);
      const at = sc.pos;
      const drv = keep(sc.str());
      checkStorePath(sc, drv, store, 'input derivation', at);
      if (!drv.endsWith('.drv')) sc.fail(`input derivation ${show(drv)} is not a .drv`, at);
      sc.expect(COMMA);
      const node = parseInputNode(sc, dynamicForm, 0);
      inputDrvs[drv] = strings ? strings.list(node.outputs) : node.outputs;
      if (node.dynamic) (dynamicInputs ??= []).push(drv);
      sc.expect(RPAREN);
    } while (!sc.endOfList());
  }

  sc.expect(COMMA);
  const inputSrcs: string[] = [];
  if (!sc.openList()) {
    do {
      const at = sc.pos;
      const src = keep(sc.str());
      checkStorePath(sc, src, store, 'input source', at);
      inputSrcs.push(src);
    } while (!sc.endOfList());
  }

  sc.expect(COMMA);
  const system = keep(sc.str());
  sc.expect(COMMA);
  const builder = keep(sc.str());
  sc.expect(COMMA);
  const args = sc.strings(keep);

  sc.expect(COMMA);
  let fixed = false;
  for (const o in outputs) if (outputs[o].fixed !== null) fixed = true;
  // lean: a derivation that is not a download keeps only what the facts stage reads
  const leanEnv = strings !== undefined && !fixed;
  const env = record<string>();
  let jsonAt = -1;
  let json: string | undefined;
  let envName: string | undefined;
  if (!sc.openList()) {
    do {
      sc.expect(LPAREN);
      const key = sc.str();
      sc.expect(COMMA);
      if (key === '__json') {
        jsonAt = sc.pos;
        json = sc.str();
        if (!leanEnv) env[key] = json;
      } else if (key === 'name') {
        envName = sc.own(sc.str());
        if (!leanEnv) env[key] = envName;
      } else if (!leanEnv) {
        env[strings ? strings.of(key) : key] = keep(sc.str());
      } else if (LEAN_ENV_KEYS.has(key)) {
        env[key] = keep(sc.str());
      } else {
        sc.skipStr();
      }
      sc.expect(RPAREN);
    } while (!sc.endOfList());
  }
  sc.expect(RPAREN);
  // A trailing newline from an editor or `cat >` is harmless; anything else is not ours.
  for (let i = sc.pos; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 10 && c !== 13 && c !== 32 && c !== 9) sc.fail('unexpected text after the derivation', i);
  }

  let structuredAttrs: Record<string, unknown> | null = null;
  if (json !== undefined) {
    if (nestsDeeperThan(json, DEFAULT_SPLIT_LIMITS.maxDepth))
      sc.fail(`__json (structured attributes) nests more than ${DEFAULT_SPLIT_LIMITS.maxDepth} levels deep`, jsonAt);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      sc.fail(`__json (structured attributes) is not valid JSON: ${(e as Error).message}`, jsonAt);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      sc.fail('__json (structured attributes) is not a JSON object', jsonAt);
    }
    structuredAttrs = parsed as Record<string, unknown>;
  }
  // with structured attrs the name lives in __json, not in env
  const saName = structuredAttrs?.name;
  const name = envName ?? (typeof saName === 'string' ? saName : pathName);
  // Nix refuses other names; rules match names with regexes, so this also bounds their cost
  if (!isValidStoreName(name)) sc.fail(`name ${show(name)} is not a valid derivation name (1-211 of A-Z a-z 0-9 + - . _ ? =)`, 0);

  if (leanEnv) structuredAttrs = leanAttrs(structuredAttrs);
  const d: Derivation = {
    drvPath: strings ? strings.of(drvPath) : drvPath,
    name: strings ? strings.of(name) : name,
    system,
    builder,
    args,
    env,
    outputs,
    inputSrcs,
    inputDrvs,
    structuredAttrs,
  };
  if (leanEnv) d.leanEnv = true;
  if (dynamicInputs) d.dynamicInputs = dynamicInputs;
  return d;
}
