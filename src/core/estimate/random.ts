/**
 * mulberry32: a tiny, fast 32-bit PRNG. Math.random cannot be seeded, and a seeded stream is what
 * makes a simulation (and a test built on one) repeatable.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Inverse-CDF draw; 1 - u is in (0, 1], so the log is always finite. */
export function exponential(uniform: () => number, rate: number): number {
  return rate === 0 ? Infinity : -Math.log(1 - uniform()) / rate;
}
