/**
 * Splits a derivation dump into its derivations while the bytes stream in, so a dump is never
 * one string: V8 cannot hold a string over 512 MiB (a large NixOS system graph gets there),
 * and parsing one huge text keeps three copies of it alive (bytes, string, objects).
 *
 * The dump is a JSON object whose members are derivations (`{"/nix/store/…drv": {…}, …}`,
 * 2.4-2.31 and v3) or, in v4, `{"version": 4, "derivations": {…}}`. The splitter walks the
 * top level (and the `derivations` member) itself, checking the grammar there, and hands
 * every member value to JSON.parse, which checks the rest. Inside a value it only has to find
 * where the value ends: strings are skipped with indexOf, never a byte at a time.
 *
 * Bounds: a member value may not exceed `maxValueBytes`, nor nest deeper than `maxDepth`;
 * both are InputErrors naming the byte offset, as is any grammar error.
 */
import { InputError } from '../errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

const NON_SPACE = /[^ \n\r\t]/g;

/**
 * The index of the first byte at or after `i` that is not white space (or `b.length`). A few
 * bytes are looked at one by one; a long run (a pretty-printed dump's indentation is short,
 * a bomb of spaces is not) is skipped by the regexp engine, not by a byte loop.
 */
function skipSpace(b: Buffer, i: number): number {
  const end = Math.min(b.length, i + 32);
  for (; i < end; i++) if (!isSpace(b[i])) return i;
  if (i >= b.length) return i;
  NON_SPACE.lastIndex = 0;
  const m = NON_SPACE.exec(b.toString('latin1', i));
  return m ? i + m.index : b.length;
}

export interface SplitLimits {
  /** largest member value, in bytes (one derivation) */
  maxValueBytes: number;
  /** deepest nesting of arrays and objects inside one derivation */
  maxDepth: number;
}

export const DEFAULT_SPLIT_LIMITS: SplitLimits = { maxValueBytes: 256 * 1024 * 1024, maxDepth: 256 };

/** Where a member sits: the top-level object, or v4's `derivations` object. */
export type MemberPlace = 'top' | 'derivations';

export type MemberSink = (place: MemberPlace, key: string, value: unknown) => void;

const enum St {
  /** before the opening `{` of a container (top level only) */
  Open,
  /** after `{`: a key or `}` */
  FirstKey,
  /** after `,`: a key */
  Key,
  /** inside a key string */
  InKey,
  /** after a key: `:` */
  Colon,
  /** after `:`: the value starts */
  Value,
  /** inside a value */
  InValue,
  /** after a value: `,` or `}` */
  Next,
  /** after the top-level `}`: only white space */
  Done,
}

export class DumpSplitter {
  private st: St = St.Open;
  /** 1: the top-level object; 2: inside v4's `derivations` */
  private level = 1;
  /** bytes before the current chunk */
  private offset = 0;
  /** pieces of the key or value being read, from earlier chunks */
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private key = '';
  /** inside a value: nesting depth, string state */
  private depth = 0;
  private inString = false;
  private escape = false;
  /** a value that is a bare literal (number, true, false, null) rather than `{`/`[`/string */
  private scalar = false;
  private valueStart = 0;

  constructor(
    private readonly label: string,
    private readonly sink: MemberSink,
    private readonly limits: SplitLimits = DEFAULT_SPLIT_LIMITS,
  ) {}

  private fail(what: string, at: number): never {
    throw new InputError(`${this.label}: not valid derivation JSON at byte ${this.offset + at}: ${what}`);
  }

  /** Feed the next chunk of bytes. */
  push(b: Buffer): void {
    const n = b.length;
    let i = 0;
    while (i < n) {
      switch (this.st) {
        case St.Open:
        case St.FirstKey:
        case St.Key:
        case St.Colon:
        case St.Next:
        case St.Done: {
          const c = b[i];
          if (isSpace(c)) {
            i = skipSpace(b, i);
            continue;
          }
          i = this.structural(b, i, c);
          continue;
        }
        case St.Value: {
          const c = b[i];
          if (isSpace(c)) {
            i = skipSpace(b, i);
            continue;
          }
          // v4's derivations object is walked member by member, not parsed whole
          if (this.level === 1 && this.key === 'derivations' && c === LBRACE) {
            this.level = 2;
            this.st = St.FirstKey;
            i++;
            continue;
          }
          this.startValue(i, c);
          if (this.scalar) {
            i = this.scanScalar(b, i);
          } else {
            i++;
            if (c === QUOTE) this.inString = true;
            else this.depth = 1;
            i = this.scanValue(b, i);
          }
          continue;
        }
        case St.InValue:
          i = this.scalar ? this.scanScalar(b, i) : this.scanValue(b, i);
          continue;
        case St.InKey:
          i = this.scanKey(b, i);
          continue;
      }
    }
    // carry the unfinished key or value over to the next chunk
    if (this.st === St.InValue || this.st === St.InKey) this.keep(b.subarray(this.valueStart));
    this.valueStart = 0;
    this.offset += n;
  }

  /** The input ended: it must have been exactly one complete object. */
  end(): void {
    if (this.st === St.InValue && this.scalar) this.finishValue(Buffer.alloc(0), 0);
    if (this.st === St.Open) this.fail('no JSON object (empty input)', 0);
    if (this.st !== St.Done) this.fail('the input ends inside the object (truncated?)', 0);
  }

  private keep(piece: Buffer): void {
    if (piece.length === 0) return;
    this.pieceBytes += piece.length;
    if (this.pieceBytes > this.limits.maxValueBytes)
      this.fail(`one member is larger than ${this.limits.maxValueBytes} bytes`, 0);
    // copied: the caller may reuse the chunk's memory
    this.pieces.push(Buffer.from(piece));
  }

  private take(b: Buffer, end: number): string {
    const last = b.subarray(this.valueStart, end);
    const text =
      this.pieces.length === 0 ? last.toString('utf8') : Buffer.concat([...this.pieces, last]).toString('utf8');
    this.pieces = [];
    this.pieceBytes = 0;
    return text;
  }

  private structural(b: Buffer, i: number, c: number): number {
    switch (this.st) {
      case St.Open:
        if (c !== LBRACE) this.fail(`expected '{', found ${describe(c)}`, i);
        this.st = St.FirstKey;
        return i + 1;
      case St.FirstKey:
        if (c === RBRACE) return this.close(i);
      // fall through
      case St.Key:
        if (c !== QUOTE) this.fail(`expected a member name, found ${describe(c)}`, i);
        this.st = St.InKey;
        this.valueStart = i;
        this.escape = false;
        return this.scanKey(b, i + 1);
      case St.Colon:
        if (c !== COLON) this.fail(`expected ':', found ${describe(c)}`, i);
        this.st = St.Value;
        return i + 1;
      case St.Next:
        if (c === COMMA) {
          this.st = St.Key;
          return i + 1;
        }
        if (c === RBRACE) return this.close(i);
        return this.fail(`expected ',' or '}', found ${describe(c)}`, i);
      default:
        return this.fail(`unexpected ${describe(c)} after the end of the object`, i);
    }
  }

  private close(i: number): number {
    if (this.level === 2) {
      this.level = 1;
      this.st = St.Next;
    } else this.st = St.Done;
    return i + 1;
  }

  private scanKey(b: Buffer, i: number): number {
    const end = this.stringEnd(b, i);
    if (end < 0) {
      if (this.st !== St.InKey) this.st = St.InKey;
      return b.length;
    }
    const text = this.take(b, end + 1);
    try {
      this.key = JSON.parse(text) as string;
    } catch (e) {
      this.fail(`bad member name (${(e as Error).message})`, end);
    }
    this.st = St.Colon;
    return end + 1;
  }

  /** Index of the closing quote of the string being read, or -1 when it continues in the next chunk. */
  private stringEnd(b: Buffer, i: number): number {
    const n = b.length;
    if (this.escape) {
      this.escape = false;
      i++;
    }
    // the next quote and backslash are looked up once and reused while still ahead of i:
    // searching again after every escape would make a long escaped string quadratic
    let q = -2;
    let bs = -2;
    while (i < n) {
      if (q !== -1 && q < i) q = b.indexOf(QUOTE, i);
      if (bs !== -1 && bs < i) bs = b.indexOf(BACKSLASH, i);
      if (bs >= 0 && (q < 0 || bs < q)) {
        if (bs + 1 >= n) {
          this.escape = true;
          return -1;
        }
        i = bs + 2;
        continue;
      }
      return q;
    }
    return -1;
  }

  private startValue(i: number, c: number): void {
    this.st = St.InValue;
    this.valueStart = i;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.scalar = c !== LBRACE && c !== LBRACKET && c !== QUOTE;
  }

  /** A bare literal ends at the first `,`, `}` or white space. */
  private scanScalar(b: Buffer, i: number): number {
    const n = b.length;
    while (i < n) {
      const c = b[i];
      if (c === COMMA || c === RBRACE || isSpace(c)) return this.finishValue(b, i);
      i++;
    }
    return n;
  }

  private scanValue(b: Buffer, i: number): number {
    const n = b.length;
    while (i < n) {
      if (this.inString) {
        const end = this.stringEnd(b, i);
        if (end < 0) return n;
        this.inString = false;
        i = end + 1;
        if (this.depth === 0) return this.finishValue(b, i);
        continue;
      }
      const c = b[i];
      if (c === QUOTE) this.inString = true;
      else if (c === LBRACE || c === LBRACKET) {
        if (++this.depth > this.limits.maxDepth) this.fail(`nested more than ${this.limits.maxDepth} levels deep`, i);
      } else if (c === RBRACE || c === RBRACKET) {
        if (--this.depth === 0) return this.finishValue(b, i + 1);
      }
      i++;
    }
    return n;
  }

  private finishValue(b: Buffer, end: number): number {
    if (this.pieceBytes + end - this.valueStart > this.limits.maxValueBytes)
      this.fail(`one member is larger than ${this.limits.maxValueBytes} bytes`, end);
    const text = this.take(b, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.fail(`member ${JSON.stringify(this.key.slice(0, 120))}: ${(e as Error).message}`, end);
    }
    this.st = St.Next;
    this.sink(this.level === 2 ? 'derivations' : 'top', this.key, value);
    return end;
  }
}

const describe = (c: number): string =>
  c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;

/**
 * True when JSON text nests arrays and objects deeper than `max`. JSON.parse copes with any
 * depth, but every recursive walk of the result after it (rendering, JSON.stringify) would
 * overflow the stack: the ATerm reader checks `__json` with this before parsing it.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // skip the string: to the next quote not escaped by an odd run of backslashes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === LBRACE || c === LBRACKET) {
      if (++depth > max) return true;
    } else if (c === RBRACE || c === RBRACKET) depth--;
  }
  return false;
}
