/** A deterministic PRNG (mulberry32) with the helpers the generators use: one seed replays a run. */
export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  /** [0, 1) */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** an integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** an integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** a child generator: case k of a run gets its own stream, so cases replay one by one */
  fork(salt: number): Rng {
    return new Rng((Math.imul(this.a ^ salt, 0x9e3779b1) + salt) >>> 0);
  }
}

/** Seed for case `index` of class `cls` in a run seeded `seed`: printed with every failure. */
export function caseSeed(seed: number, cls: string, index: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (const c of `${cls}:${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}
