/**
 * The first bytes of an LZMA ("LZMA1", as in zip method 14 and .lzma files) stream: a
 * port of the reference decoder in the LZMA SDK (LzmaSpec.cpp), cut down to what a
 * member's head needs. It decodes at most `want` bytes, and since a match can only reach
 * back into what was decoded, the output buffer is the whole dictionary: memory and work
 * are bounded by `want` (plus the literal tables the properties ask for, at most 6 MB).
 */

export class LzmaError extends Error {}

const PROB_INIT = 1024;
const TOP = 1 << 24;
const NUM_STATES = 12;
const POS_BITS_MAX = 4;
const LEN_TO_POS_STATES = 4;
const ALIGN_BITS = 4;
const START_POS_MODEL = 4;
const END_POS_MODEL = 14;
const FULL_DISTANCES = 1 << (END_POS_MODEL >> 1);
const MATCH_MIN_LEN = 2;

const probs = (n: number): Uint16Array => new Uint16Array(n).fill(PROB_INIT);

class RangeDecoder {
  private range = 0xffffffff;
  private code = 0;
  constructor(
    private readonly buf: Uint8Array,
    private pos: number,
  ) {
    if (this.byte() !== 0) throw new LzmaError('corrupt data (bad range coder start)');
    for (let i = 0; i < 4; i++) this.code = (this.code * 256 + this.byte()) >>> 0;
    if (this.code === this.range) throw new LzmaError('corrupt data (bad range coder start)');
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new LzmaError('unexpected end of data');
    return this.buf[this.pos++];
  }

  private normalize(): void {
    if (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.code = (this.code * 256 + this.byte()) >>> 0;
    }
  }

  direct(numBits: number): number {
    let res = 0;
    for (let i = 0; i < numBits; i++) {
      this.range >>>= 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      this.normalize();
      res = res * 2 + bit;
    }
    return res;
  }

  bit(p: Uint16Array, i: number): number {
    const v = p[i];
    const bound = (this.range >>> 11) * v;
    let bit: number;
    if (this.code < bound) {
      p[i] = v + ((2048 - v) >>> 5);
      this.range = bound;
      bit = 0;
    } else {
      p[i] = v - (v >>> 5);
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    this.normalize();
    return bit;
  }

  tree(p: Uint16Array, base: number, numBits: number): number {
    let m = 1;
    for (let i = 0; i < numBits; i++) m = m * 2 + this.bit(p, base + m);
    return m - (1 << numBits);
  }

  reverse(p: Uint16Array, base: number, numBits: number): number {
    let m = 1;
    let sym = 0;
    for (let i = 0; i < numBits; i++) {
      const bit = this.bit(p, base + m);
      m = m * 2 + bit;
      sym |= bit << i;
    }
    return sym;
  }
}

class LenDecoder {
  private readonly choice = probs(2);
  private readonly low = probs(16 << 3);
  private readonly mid = probs(16 << 3);
  private readonly high = probs(256);
  decode(rc: RangeDecoder, posState: number): number {
    if (rc.bit(this.choice, 0) === 0) return rc.tree(this.low, posState << 3, 3);
    if (rc.bit(this.choice, 1) === 0) return 8 + rc.tree(this.mid, posState << 3, 3);
    return 16 + rc.tree(this.high, 0, 8);
  }
}

/**
 * Decodes up to `want` bytes of the LZMA stream in `data` (range-coded data only), with the
 * 5 properties bytes `props`. `size` is the uncompressed size when known (-1 if not).
 * Returns fewer than `want` bytes only when the stream ends first.
 */
export const lzmaHead = (props: Uint8Array, data: Uint8Array, want: number, size: number): Buffer => {
  if (props.length < 5) throw new LzmaError('properties missing');
  let d = props[0];
  if (d >= 9 * 5 * 5) throw new LzmaError('bad properties');
  const lc = d % 9;
  d = Math.floor(d / 9);
  const lp = d % 5;
  const pb = Math.floor(d / 5);
  const dictSize = Math.max(4096, (props[1] | (props[2] << 8) | (props[3] << 16) | (props[4] << 24)) >>> 0);
  const limit = size >= 0 ? Math.min(want, size) : want;
  const out = Buffer.alloc(limit);
  let pos = 0;
  if (limit === 0) return out;

  const rc = new RangeDecoder(data, 0);
  const lit = probs(0x300 << (lc + lp));
  const isMatch = probs(NUM_STATES << POS_BITS_MAX);
  const isRep = probs(NUM_STATES);
  const isRepG0 = probs(NUM_STATES);
  const isRepG1 = probs(NUM_STATES);
  const isRepG2 = probs(NUM_STATES);
  const isRep0Long = probs(NUM_STATES << POS_BITS_MAX);
  const posSlot = probs(LEN_TO_POS_STATES << 6);
  const posDecoders = probs(1 + FULL_DISTANCES - END_POS_MODEL);
  const align = probs(1 << ALIGN_BITS);
  const lenDec = new LenDecoder();
  const repLenDec = new LenDecoder();
  let state = 0;
  let rep0 = 0;
  let rep1 = 0;
  let rep2 = 0;
  let rep3 = 0;

  const decodeDistance = (len: number): number => {
    const lenState = Math.min(len, LEN_TO_POS_STATES - 1);
    const slot = rc.tree(posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const direct = (slot >>> 1) - 1;
    let dist = (2 | (slot & 1)) * 2 ** direct;
    if (slot < END_POS_MODEL) dist += rc.reverse(posDecoders, dist - slot, direct);
    else dist += rc.direct(direct - ALIGN_BITS) * 2 ** ALIGN_BITS + rc.reverse(align, 0, ALIGN_BITS);
    return dist;
  };

  while (pos < limit) {
    const posState = pos & ((1 << pb) - 1);
    if (rc.bit(isMatch, (state << POS_BITS_MAX) + posState) === 0) {
      const prev = pos > 0 ? out[pos - 1] : 0;
      const base = 0x300 * (((pos & ((1 << lp) - 1)) << lc) + (prev >>> (8 - lc)));
      let sym = 1;
      if (state >= 7) {
        let matchByte = out[pos - rep0 - 1];
        while (sym < 0x100) {
          const matchBit = (matchByte >>> 7) & 1;
          matchByte <<= 1;
          const bit = rc.bit(lit, base + ((1 + matchBit) << 8) + sym);
          sym = (sym << 1) | bit;
          if (matchBit !== bit) break;
        }
      }
      while (sym < 0x100) sym = (sym << 1) | rc.bit(lit, base + sym);
      out[pos++] = sym - 0x100;
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }
    let len: number;
    if (rc.bit(isRep, state) !== 0) {
      if (pos === 0) throw new LzmaError('corrupt data (repeat match before any output)');
      if (rc.bit(isRepG0, state) === 0) {
        if (rc.bit(isRep0Long, (state << POS_BITS_MAX) + posState) === 0) {
          state = state < 7 ? 9 : 11;
          out[pos] = out[pos - rep0 - 1];
          pos++;
          continue;
        }
      } else {
        let dist: number;
        if (rc.bit(isRepG1, state) === 0) dist = rep1;
        else {
          if (rc.bit(isRepG2, state) === 0) dist = rep2;
          else {
            dist = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = dist;
      }
      len = repLenDec.decode(rc, posState);
      state = state < 7 ? 8 : 11;
    } else {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      len = lenDec.decode(rc, posState);
      state = state < 7 ? 7 : 10;
      rep0 = decodeDistance(len);
      if (rep0 === 0xffffffff) return out.subarray(0, pos); // end marker
      if (rep0 >= dictSize || rep0 >= pos) throw new LzmaError(`corrupt data (match distance ${rep0 + 1} at output offset ${pos})`);
    }
    len += MATCH_MIN_LEN;
    for (let i = 0; i < len && pos < limit; i++, pos++) out[pos] = out[pos - rep0 - 1];
  }
  return out;
};
