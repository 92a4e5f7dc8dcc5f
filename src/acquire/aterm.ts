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
import {
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

/** Output names and env keys come from the file: keep `__proto__` an ordinary key. */
const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

class Scanner {
  pos = 0;
  /** Next backslash at or after `pos` (cached so the no-escape test stays linear overall). */
  private nextBackslash = -2;
  private readonly len: number;

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.len = text.length;
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
      return t.slice(start, close);
    }
    return this.escaped(start, bs, close);
  }

  private escaped(start: number, bs: number, close: number): string {
    const t = this.text;
    let out = '';
    let from = start;
    // `bs` is the next backslash and `close` the next quote at or after `from`; each is
    // searched for again only once the scan has passed it, so long strings full of
    // escapes still cost one pass.
    for (;;) {
      if (bs === -1 || bs > close) {
        this.pos = close + 1;
        this.nextBackslash = bs;
        return out + t.slice(from, close);
      }
      // bs < close, so the escaped character exists.
      out += t.slice(from, bs);
      const c = t.charCodeAt(bs + 1);
      out += c === 110 ? '\n' : c === 116 ? '\t' : c === 114 ? '\r' : t[bs + 1];
      from = bs + 2;
      if (close < from) {
        close = t.indexOf('"', from);
        if (close < 0) this.fail('unterminated string', start - 1);
      }
      if (bs < from) bs = t.indexOf('\\', from);
    }
  }

  /** A list of strings: `[]` or `["a","b"]`. */
  strings(): string[] {
    const out: string[] = [];
    if (this.openList()) return out;
    do out.push(this.str());
    while (!this.endOfList());
    return out;
  }
}

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

function parseOutput(sc: Scanner, drvName: string, outName: string, storeDir: string, at: number): DerivationOutput {
  sc.expect(COMMA);
  const pathAt = sc.pos;
  const path = sc.str();
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

/**
 * Parse one ATerm `.drv`.
 * @param drvPath the derivation's full store path (names it in the model, and its name part
 *   names the derivation when env has no `name`)
 * @param storeDir the store every path must be in; defaults to the directory of `drvPath`
 *   when that is absolute, else /nix/store
 * @param file how to name the file in errors (defaults to `drvPath`)
 */
export function parseDrv(text: string, drvPath: string, storeDir?: string, file: string = drvPath): Derivation {
  const sc = new Scanner(text, file);
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
  const outputs = dict<DerivationOutput>();
  if (!sc.openList()) {
    do {
      const at = sc.pos;
      sc.expect(LPAREN);
      const outName = sc.str();
      const out = parseOutput(sc, pathName, outName, store, at);
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
      const drv = sc.str();
      checkStorePath(sc, drv, store, 'input derivation', at);
      if (!drv.endsWith('.drv')) sc.fail(`input derivation ${show(drv)} is not a .drv`, at);
      sc.expect(COMMA);
      const node = parseInputNode(sc, dynamicForm, 0);
      inputDrvs[drv] = node.outputs;
      if (node.dynamic) (dynamicInputs ??= []).push(drv);
      sc.expect(RPAREN);
    } while (!sc.endOfList());
  }

  sc.expect(COMMA);
  const inputSrcs: string[] = [];
  if (!sc.openList()) {
    do {
      const at = sc.pos;
      const src = sc.str();
      checkStorePath(sc, src, store, 'input source', at);
      inputSrcs.push(src);
    } while (!sc.endOfList());
  }

  sc.expect(COMMA);
  const system = sc.str();
  sc.expect(COMMA);
  const builder = sc.str();
  sc.expect(COMMA);
  const args = sc.strings();

  sc.expect(COMMA);
  const env = dict<string>();
  let jsonAt = -1;
  if (!sc.openList()) {
    do {
      sc.expect(LPAREN);
      const key = sc.str();
      sc.expect(COMMA);
      if (key === '__json') jsonAt = sc.pos;
      env[key] = sc.str();
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
  if (jsonAt >= 0) {
    if (nestsDeeperThan(env.__json, DEFAULT_SPLIT_LIMITS.maxDepth))
      sc.fail(`__json (structured attributes) nests more than ${DEFAULT_SPLIT_LIMITS.maxDepth} levels deep`, jsonAt);
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.__json);
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
  const name = env.name ?? (typeof saName === 'string' ? saName : pathName);
  // Nix refuses other names; rules match names with regexes, so this also bounds their cost
  if (!isValidStoreName(name)) sc.fail(`name ${show(name)} is not a valid derivation name (1-211 of A-Z a-z 0-9 + - . _ ? =)`, 0);

  const d: Derivation = {
    drvPath,
    name,
    system,
    builder,
    args,
    env,
    outputs,
    inputSrcs,
    inputDrvs,
    structuredAttrs,
  };
  if (dynamicInputs) d.dynamicInputs = dynamicInputs;
  return d;
}
