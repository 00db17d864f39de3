/**
 * Batched 1D complex FFTs of any length, in float64.
 *
 * Data layout: `batch` sequences of length n, interleaved complex, element k of
 * sequence b at index 2 * (k * batch + b). Keeping the batch innermost is what makes
 * this fast in JavaScript: every butterfly runs a short, simple loop over contiguous
 * memory, and twiddles are loaded once per batch instead of once per sequence.
 *
 * Lengths whose prime factors are 2, 3, 5 ... 31 run as a self-sorting (Stockham)
 * mixed-radix transform; any other length goes through Bluestein's chirp-z, which
 * turns it into a power-of-two convolution.
 */

/** A plan for one length, reusable for any batch size. */
export interface FftPlan {
  readonly n: number;
  /**
   * Forward transform of `batch` sequences held in `a` (layout above). `b` is scratch of
   * the same size. Returns whichever of `a` or `b` holds the result.
   */
  run(a: Float64Array, b: Float64Array, batch: number): Float64Array;
}

/** Largest prime factor handled by a direct butterfly; longer primes go through Bluestein. */
const MAX_DIRECT_PRIME = 31;

/**
 * Radices in the order stages run: the power of two first, then the odd primes. Shared
 * with the WebAssembly path (wasm-fft2.ts), which runs the same stages.
 */
export function factorize(n: number): number[] {
  const out: number[] = [];
  let e = 0;
  while (n % 2 === 0) {
    e++;
    n /= 2;
  }
  // One radix-8 stage for an odd power of two, radix 4 for the rest: measured faster than
  // several radix-8 stages (which spill registers) and than a lone radix-2 stage.
  if (e === 1) out.push(2);
  else if (e % 2 === 1) out.push(8);
  for (let i = e % 2 === 1 && e > 1 ? 3 : e === 1 ? 1 : 0; i < e; i += 2) out.push(4);
  for (let p = 3; n > 1; p += 2) {
    while (n % p === 0) {
      out.push(p);
      n /= p;
    }
    if (p * p > n && n > 1) {
      out.push(n);
      break;
    }
  }
  return out;
}

interface Stage {
  radix: number;
  /** Length of the sub-transform this stage splits. */
  len: number;
  /** len / radix. */
  m: number;
  /** Twiddles w^(p*j), p < m, 1 <= j < radix, interleaved re/im, index (p*(radix-1)+(j-1))*2. */
  tw: Float64Array;
  /** Generic radix only: cos/sin of 2*pi*t/radix for t < radix. */
  roots?: Float64Array;
}

function makeStage(radix: number, len: number): Stage {
  const m = len / radix;
  const tw = new Float64Array(m * (radix - 1) * 2);
  for (let p = 0; p < m; p++) {
    for (let j = 1; j < radix; j++) {
      // Reduce p*j modulo len before scaling so large lengths keep full precision.
      const a = (-2 * Math.PI * ((p * j) % len)) / len;
      const i = (p * (radix - 1) + (j - 1)) * 2;
      tw[i] = Math.cos(a);
      tw[i + 1] = Math.sin(a);
    }
  }
  let roots: Float64Array | undefined;
  if (radix > 5 && radix !== 8) {
    roots = new Float64Array(radix * 2);
    for (let t = 0; t < radix; t++) {
      roots[2 * t] = Math.cos((-2 * Math.PI * t) / radix);
      roots[2 * t + 1] = Math.sin((-2 * Math.PI * t) / radix);
    }
  }
  return { radix, len, m, tw, roots };
}

function stage2(x: Float64Array, y: Float64Array, st: Stage, s: number): void {
  const { m, tw } = st;
  const s2 = 2 * s;
  const inStep = s2 * m;
  for (let p = 0; p < m; p++) {
    const wr = tw[2 * p];
    const wi = tw[2 * p + 1];
    const i0 = s2 * p;
    const o0 = s2 * 2 * p;
    for (let q = 0; q < s2; q += 2) {
      const a = i0 + q;
      const b = a + inStep;
      const ar = x[a],
        ai = x[a + 1],
        br = x[b],
        bi = x[b + 1];
      const o = o0 + q;
      y[o] = ar + br;
      y[o + 1] = ai + bi;
      const dr = ar - br,
        di = ai - bi;
      y[o + s2] = dr * wr - di * wi;
      y[o + s2 + 1] = dr * wi + di * wr;
    }
  }
}

function stage4(x: Float64Array, y: Float64Array, st: Stage, s: number): void {
  const { m, tw } = st;
  const s2 = 2 * s;
  const inStep = s2 * m;
  for (let p = 0; p < m; p++) {
    const t = 6 * p;
    const w1r = tw[t],
      w1i = tw[t + 1],
      w2r = tw[t + 2],
      w2i = tw[t + 3],
      w3r = tw[t + 4],
      w3i = tw[t + 5];
    const i0 = s2 * p;
    const o0 = s2 * 4 * p;
    for (let q = 0; q < s2; q += 2) {
      const a0 = i0 + q,
        a1 = a0 + inStep,
        a2 = a1 + inStep,
        a3 = a2 + inStep;
      const x0r = x[a0],
        x0i = x[a0 + 1],
        x1r = x[a1],
        x1i = x[a1 + 1];
      const x2r = x[a2],
        x2i = x[a2 + 1],
        x3r = x[a3],
        x3i = x[a3 + 1];
      const s02r = x0r + x2r,
        s02i = x0i + x2i,
        d02r = x0r - x2r,
        d02i = x0i - x2i;
      const s13r = x1r + x3r,
        s13i = x1i + x3i,
        d13r = x1r - x3r,
        d13i = x1i - x3i;
      // b1 = d02 - i*d13, b3 = d02 + i*d13 (forward transform, e^{-i...}).
      const b1r = d02r + d13i,
        b1i = d02i - d13r;
      const b2r = s02r - s13r,
        b2i = s02i - s13i;
      const b3r = d02r - d13i,
        b3i = d02i + d13r;
      const o = o0 + q;
      y[o] = s02r + s13r;
      y[o + 1] = s02i + s13i;
      y[o + s2] = b1r * w1r - b1i * w1i;
      y[o + s2 + 1] = b1r * w1i + b1i * w1r;
      y[o + 2 * s2] = b2r * w2r - b2i * w2i;
      y[o + 2 * s2 + 1] = b2r * w2i + b2i * w2r;
      y[o + 3 * s2] = b3r * w3r - b3i * w3i;
      y[o + 3 * s2 + 1] = b3r * w3i + b3i * w3r;
    }
  }
}

const SQRT1_2 = Math.SQRT1_2;

function stage8(x: Float64Array, y: Float64Array, st: Stage, s: number): void {
  const { m, tw } = st;
  const s2 = 2 * s;
  const inStep = s2 * m;
  for (let p = 0; p < m; p++) {
    const t = 14 * p;
    const w1r = tw[t],
      w1i = tw[t + 1],
      w2r = tw[t + 2],
      w2i = tw[t + 3],
      w3r = tw[t + 4],
      w3i = tw[t + 5];
    const w4r = tw[t + 6],
      w4i = tw[t + 7],
      w5r = tw[t + 8],
      w5i = tw[t + 9],
      w6r = tw[t + 10],
      w6i = tw[t + 11];
    const w7r = tw[t + 12],
      w7i = tw[t + 13];
    const i0 = s2 * p;
    const o0 = s2 * 8 * p;
    for (let q = 0; q < s2; q += 2) {
      const a0 = i0 + q,
        a1 = a0 + inStep,
        a2 = a1 + inStep,
        a3 = a2 + inStep;
      const a4 = a3 + inStep,
        a5 = a4 + inStep,
        a6 = a5 + inStep,
        a7 = a6 + inStep;
      // Split: u_k = a_k + a_{k+4} (even outputs), v_k = (a_k - a_{k+4}) W8^k (odd outputs).
      const u0r = x[a0] + x[a4],
        u0i = x[a0 + 1] + x[a4 + 1];
      const u1r = x[a1] + x[a5],
        u1i = x[a1 + 1] + x[a5 + 1];
      const u2r = x[a2] + x[a6],
        u2i = x[a2 + 1] + x[a6 + 1];
      const u3r = x[a3] + x[a7],
        u3i = x[a3 + 1] + x[a7 + 1];
      const v0r = x[a0] - x[a4],
        v0i = x[a0 + 1] - x[a4 + 1];
      const d1r = x[a1] - x[a5],
        d1i = x[a1 + 1] - x[a5 + 1];
      const d2r = x[a2] - x[a6],
        d2i = x[a2 + 1] - x[a6 + 1];
      const d3r = x[a3] - x[a7],
        d3i = x[a3 + 1] - x[a7 + 1];
      // W8 = (1 - i)/sqrt2, W8^2 = -i, W8^3 = -(1 + i)/sqrt2
      const v1r = SQRT1_2 * (d1r + d1i),
        v1i = SQRT1_2 * (d1i - d1r);
      const v2r = d2i,
        v2i = -d2r;
      const v3r = SQRT1_2 * (d3i - d3r),
        v3i = -SQRT1_2 * (d3r + d3i);
      // Two 4-point DFTs.
      const e02r = u0r + u2r,
        e02i = u0i + u2i,
        f02r = u0r - u2r,
        f02i = u0i - u2i;
      const e13r = u1r + u3r,
        e13i = u1i + u3i,
        f13r = u1r - u3r,
        f13i = u1i - u3i;
      const b0r = e02r + e13r,
        b0i = e02i + e13i;
      const b2r = f02r + f13i,
        b2i = f02i - f13r;
      const b4r = e02r - e13r,
        b4i = e02i - e13i;
      const b6r = f02r - f13i,
        b6i = f02i + f13r;
      const g02r = v0r + v2r,
        g02i = v0i + v2i,
        h02r = v0r - v2r,
        h02i = v0i - v2i;
      const g13r = v1r + v3r,
        g13i = v1i + v3i,
        h13r = v1r - v3r,
        h13i = v1i - v3i;
      const b1r = g02r + g13r,
        b1i = g02i + g13i;
      const b3r = h02r + h13i,
        b3i = h02i - h13r;
      const b5r = g02r - g13r,
        b5i = g02i - g13i;
      const b7r = h02r - h13i,
        b7i = h02i + h13r;
      const o = o0 + q;
      y[o] = b0r;
      y[o + 1] = b0i;
      let k = o + s2;
      y[k] = b1r * w1r - b1i * w1i;
      y[k + 1] = b1r * w1i + b1i * w1r;
      k += s2;
      y[k] = b2r * w2r - b2i * w2i;
      y[k + 1] = b2r * w2i + b2i * w2r;
      k += s2;
      y[k] = b3r * w3r - b3i * w3i;
      y[k + 1] = b3r * w3i + b3i * w3r;
      k += s2;
      y[k] = b4r * w4r - b4i * w4i;
      y[k + 1] = b4r * w4i + b4i * w4r;
      k += s2;
      y[k] = b5r * w5r - b5i * w5i;
      y[k + 1] = b5r * w5i + b5i * w5r;
      k += s2;
      y[k] = b6r * w6r - b6i * w6i;
      y[k + 1] = b6r * w6i + b6i * w6r;
      k += s2;
      y[k] = b7r * w7r - b7i * w7i;
      y[k + 1] = b7r * w7i + b7i * w7r;
    }
  }
}

const C3 = -0.5; // cos(2pi/3)
const S3 = Math.sqrt(3) / 2; // sin(2pi/3)

function stage3(x: Float64Array, y: Float64Array, st: Stage, s: number): void {
  const { m, tw } = st;
  const s2 = 2 * s;
  const inStep = s2 * m;
  for (let p = 0; p < m; p++) {
    const t = 4 * p;
    const w1r = tw[t],
      w1i = tw[t + 1],
      w2r = tw[t + 2],
      w2i = tw[t + 3];
    const i0 = s2 * p;
    const o0 = s2 * 3 * p;
    for (let q = 0; q < s2; q += 2) {
      const a0 = i0 + q,
        a1 = a0 + inStep,
        a2 = a1 + inStep;
      const x0r = x[a0],
        x0i = x[a0 + 1],
        x1r = x[a1],
        x1i = x[a1 + 1],
        x2r = x[a2],
        x2i = x[a2 + 1];
      const sr = x1r + x2r,
        si = x1i + x2i;
      const dr = x1r - x2r,
        di = x1i - x2i;
      const mr = x0r + C3 * sr,
        mi = x0i + C3 * si;
      // -i * sin(2pi/3) * (x1 - x2)
      const rr = S3 * di,
        ri = -S3 * dr;
      const b1r = mr + rr,
        b1i = mi + ri,
        b2r = mr - rr,
        b2i = mi - ri;
      const o = o0 + q;
      y[o] = x0r + sr;
      y[o + 1] = x0i + si;
      y[o + s2] = b1r * w1r - b1i * w1i;
      y[o + s2 + 1] = b1r * w1i + b1i * w1r;
      y[o + 2 * s2] = b2r * w2r - b2i * w2i;
      y[o + 2 * s2 + 1] = b2r * w2i + b2i * w2r;
    }
  }
}

const C51 = Math.cos((2 * Math.PI) / 5);
const C52 = Math.cos((4 * Math.PI) / 5);
const S51 = Math.sin((2 * Math.PI) / 5);
const S52 = Math.sin((4 * Math.PI) / 5);

function stage5(x: Float64Array, y: Float64Array, st: Stage, s: number): void {
  const { m, tw } = st;
  const s2 = 2 * s;
  const inStep = s2 * m;
  for (let p = 0; p < m; p++) {
    const t = 8 * p;
    const w1r = tw[t],
      w1i = tw[t + 1],
      w2r = tw[t + 2],
      w2i = tw[t + 3];
    const w3r = tw[t + 4],
      w3i = tw[t + 5],
      w4r = tw[t + 6],
      w4i = tw[t + 7];
    const i0 = s2 * p;
    const o0 = s2 * 5 * p;
    for (let q = 0; q < s2; q += 2) {
      const a0 = i0 + q,
        a1 = a0 + inStep,
        a2 = a1 + inStep,
        a3 = a2 + inStep,
        a4 = a3 + inStep;
      const x0r = x[a0],
        x0i = x[a0 + 1];
      const s14r = x[a1] + x[a4],
        s14i = x[a1 + 1] + x[a4 + 1];
      const d14r = x[a1] - x[a4],
        d14i = x[a1 + 1] - x[a4 + 1];
      const s23r = x[a2] + x[a3],
        s23i = x[a2 + 1] + x[a3 + 1];
      const d23r = x[a2] - x[a3],
        d23i = x[a2 + 1] - x[a3 + 1];
      const m1r = x0r + C51 * s14r + C52 * s23r,
        m1i = x0i + C51 * s14i + C52 * s23i;
      const m2r = x0r + C52 * s14r + C51 * s23r,
        m2i = x0i + C52 * s14i + C51 * s23i;
      // -i * (S51*d14 + S52*d23) and -i * (S52*d14 - S51*d23)
      const n1r = S51 * d14r + S52 * d23r,
        n1i = S51 * d14i + S52 * d23i;
      const n2r = S52 * d14r - S51 * d23r,
        n2i = S52 * d14i - S51 * d23i;
      const b1r = m1r + n1i,
        b1i = m1i - n1r;
      const b4r = m1r - n1i,
        b4i = m1i + n1r;
      const b2r = m2r + n2i,
        b2i = m2i - n2r;
      const b3r = m2r - n2i,
        b3i = m2i + n2r;
      const o = o0 + q;
      y[o] = x0r + s14r + s23r;
      y[o + 1] = x0i + s14i + s23i;
      y[o + s2] = b1r * w1r - b1i * w1i;
      y[o + s2 + 1] = b1r * w1i + b1i * w1r;
      y[o + 2 * s2] = b2r * w2r - b2i * w2i;
      y[o + 2 * s2 + 1] = b2r * w2i + b2i * w2r;
      y[o + 3 * s2] = b3r * w3r - b3i * w3i;
      y[o + 3 * s2 + 1] = b3r * w3i + b3i * w3r;
      y[o + 4 * s2] = b4r * w4r - b4i * w4i;
      y[o + 4 * s2 + 1] = b4r * w4i + b4i * w4r;
    }
  }
}

/** Any radix (primes 7..31): a direct DFT per butterfly. */
function stageGeneric(x: Float64Array, y: Float64Array, st: Stage, s: number, tmp: Float64Array): void {
  const { m, tw, radix: r } = st;
  const roots = st.roots as Float64Array;
  const s2 = 2 * s;
  const inStep = s2 * m;
  for (let p = 0; p < m; p++) {
    const i0 = s2 * p;
    const o0 = s2 * r * p;
    for (let q = 0; q < s2; q += 2) {
      for (let k = 0; k < r; k++) {
        tmp[2 * k] = x[i0 + q + k * inStep];
        tmp[2 * k + 1] = x[i0 + q + k * inStep + 1];
      }
      for (let j = 0; j < r; j++) {
        let accr = 0,
          acci = 0;
        for (let k = 0, t = 0; k < r; k++, t = (t + j) % r) {
          const cr = roots[2 * t],
            ci = roots[2 * t + 1];
          accr += tmp[2 * k] * cr - tmp[2 * k + 1] * ci;
          acci += tmp[2 * k] * ci + tmp[2 * k + 1] * cr;
        }
        const o = o0 + q + j * s2;
        if (j === 0) {
          y[o] = accr;
          y[o + 1] = acci;
        } else {
          const w = (p * (r - 1) + (j - 1)) * 2;
          const wr = tw[w],
            wi = tw[w + 1];
          y[o] = accr * wr - acci * wi;
          y[o + 1] = accr * wi + acci * wr;
        }
      }
    }
  }
}

class StockhamPlan implements FftPlan {
  private readonly stages: Stage[] = [];
  private readonly tmp: Float64Array;

  constructor(readonly n: number) {
    let len = n;
    for (const r of factorize(n)) {
      this.stages.push(makeStage(r, len));
      len /= r;
    }
    this.tmp = new Float64Array(2 * Math.max(2, ...this.stages.map((st) => (st.radix === 8 ? 2 : st.radix))));
  }

  run(a: Float64Array, b: Float64Array, batch: number): Float64Array {
    let x = a,
      y = b;
    let s = batch;
    for (const st of this.stages) {
      switch (st.radix) {
        case 8:
          stage8(x, y, st, s);
          break;
        case 4:
          stage4(x, y, st, s);
          break;
        case 2:
          stage2(x, y, st, s);
          break;
        case 3:
          stage3(x, y, st, s);
          break;
        case 5:
          stage5(x, y, st, s);
          break;
        default:
          stageGeneric(x, y, st, s, this.tmp);
      }
      s *= st.radix;
      const t = x;
      x = y;
      y = t;
    }
    return x;
  }
}

/** Bluestein: X_j = c_j * sum_k (x_k c_k) conj(c_{j-k}), c_k = exp(-i pi k^2 / n), as a power-of-two convolution. */
class BluesteinPlan implements FftPlan {
  private readonly m: number;
  private readonly inner: StockhamPlan;
  private readonly chirp: Float64Array;
  /** FFT of the conjugate chirp, divided by m (the inverse transform's scale). */
  private readonly filter: Float64Array;
  private u = new Float64Array(0);
  private v = new Float64Array(0);

  constructor(readonly n: number) {
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    this.m = m;
    this.inner = new StockhamPlan(m);
    this.chirp = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      // k^2 mod 2n keeps the angle small so cos/sin stay exact for long lengths.
      const a = (-Math.PI * ((k * k) % (2 * n))) / n;
      this.chirp[2 * k] = Math.cos(a);
      this.chirp[2 * k + 1] = Math.sin(a);
    }
    const f = new Float64Array(2 * m);
    for (let k = 0; k < n; k++) {
      f[2 * k] = this.chirp[2 * k];
      f[2 * k + 1] = -this.chirp[2 * k + 1];
      if (k > 0) {
        f[2 * (m - k)] = this.chirp[2 * k];
        f[2 * (m - k) + 1] = -this.chirp[2 * k + 1];
      }
    }
    const res = this.inner.run(f, new Float64Array(2 * m), 1);
    this.filter = new Float64Array(2 * m);
    for (let i = 0; i < 2 * m; i++) this.filter[i] = res[i] / m;
  }

  run(a: Float64Array, _b: Float64Array, batch: number): Float64Array {
    const { n, m, chirp, filter } = this;
    const size = 2 * m * batch;
    if (this.u.length < size) {
      this.u = new Float64Array(size);
      this.v = new Float64Array(size);
    }
    const u = this.u;
    u.fill(0, 2 * n * batch, size);
    for (let k = 0; k < n; k++) {
      const cr = chirp[2 * k],
        ci = chirp[2 * k + 1];
      for (let q = 2 * k * batch, e = q + 2 * batch; q < e; q += 2) {
        const xr = a[q],
          xi = a[q + 1];
        u[q] = xr * cr - xi * ci;
        u[q + 1] = xr * ci + xi * cr;
      }
    }
    const spec = this.inner.run(u, this.v, batch);
    // Multiply by the filter and conjugate, so a forward transform computes the inverse.
    for (let k = 0; k < m; k++) {
      const fr = filter[2 * k],
        fi = filter[2 * k + 1];
      for (let q = 2 * k * batch, e = q + 2 * batch; q < e; q += 2) {
        const xr = spec[q],
          xi = spec[q + 1];
        spec[q] = xr * fr - xi * fi;
        spec[q + 1] = -(xr * fi + xi * fr);
      }
    }
    const conv = this.inner.run(spec, spec === u ? this.v : u, batch);
    for (let k = 0; k < n; k++) {
      const cr = chirp[2 * k],
        ci = chirp[2 * k + 1];
      for (let q = 2 * k * batch, e = q + 2 * batch; q < e; q += 2) {
        const yr = conv[q],
          yi = -conv[q + 1];
        a[q] = yr * cr - yi * ci;
        a[q + 1] = yr * ci + yi * cr;
      }
    }
    return a;
  }
}

const plans = new Map<number, FftPlan>();

/** The plan for length n (cached per thread). */
export function fftPlan(n: number): FftPlan {
  let plan = plans.get(n);
  if (!plan) {
    const f = factorize(n);
    plan = n <= 1 || f[f.length - 1] <= MAX_DIRECT_PRIME ? new StockhamPlan(n) : new BluesteinPlan(n);
    plans.set(n, plan);
  }
  return plan;
}
