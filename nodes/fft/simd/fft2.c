/*
 * The exact (float64) 2D FFT of a real frame, in SIMD: the same algorithm as
 * nodes/fft/fft1d.ts + fft2.ts (batched Stockham, radix 8/4/2/3/5; two real rows packed in
 * one complex transform; W/2+1 columns; Hermitian mirror). One source, two builds:
 * - WebAssembly SIMD (nodes/fft/simd/build.sh -> fft2.wasm): one complex number per f64x2;
 *   also the fast (float32) transform below. No libc: the caller (nodes/fft/wasm-fft2.ts)
 *   lays out every buffer and the twiddle tables in linear memory and passes pointers.
 * - x86-64 AVX2 + FMA (the addon, native/src/fft2-avx2.cc, chosen at run time where the CPU
 *   has them): two complex numbers of neighbouring sequences of a batch per 256-bit vector,
 *   so batches are padded to even; float64 only.
 * - x86-64 AVX-512 (F and DQ; native/src/fft2-avx512.cc, chosen over AVX2 where the CPU has
 *   them): four complex numbers per 512-bit vector, batches padded to a multiple of 4; the
 *   same operations in the same order on each number, so the same results bit for bit.
 * A plan's twiddle tables are addressed from the plan itself, so it works at any address.
 *
 * Channels: `nc` is the number of interleaved channels of an (H, W, C) frame (1 for an
 * (H, W) frame). The caller points x at the first value of one channel and out at that
 * channel's first output value; rows are read, and outputs written, `nc` values apart, so
 * a colour frame is transformed channel by channel in place, without de-interleaving it
 * first or interleaving its spectra after. The macros below take the stride as NC and are
 * expanded with a literal 1 for (H, W) frames, which keeps their loops as they were (the
 * integer row sums stay vectorized).
 */
#if defined(__wasm__)
#include <wasm_simd128.h>

/* One complex double. */
typedef v128_t c128;
/* CPV complex doubles of neighbouring sequences: the stages' vector. */
typedef v128_t cvec;
#define CPV 1
#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store((p), (v))
#define ADD wasm_f64x2_add
#define SUB wasm_f64x2_sub
#define MUL wasm_f64x2_mul
#define LD1 LD
#define ST1 ST
/* A twiddle's (wr, wr) or (-wi, wi), for every complex number of the vector. */
#define LDT(p) wasm_v128_load(p)
/* Stores complex number `l` of the vector (0 <= l < CPV). */
#define ST_LANE(p, v, l) ST((p), (v))
static inline c128 make1(double re, double im) { return wasm_f64x2_make(re, im); }
static inline cvec swap(cvec a) { return wasm_i64x2_shuffle(a, a, 1, 0); }
/* -i * a = (im, -re) */
static inline cvec mul_mi(cvec a) { return MUL(swap(a), wasm_f64x2_make(1.0, -1.0)); }
static inline cvec splat(double v) { return wasm_f64x2_splat(v); }
/* (1, -1) per complex number: times it, a conjugate. */
static inline cvec conj_mask(void) { return wasm_f64x2_make(1.0, -1.0); }
static inline c128 splat1(double v) { return splat(v); }
/* a * w, with the twiddle stored as wr = (wr, wr), wi = (-wi, wi). */
static inline cvec cmul(cvec a, cvec wr, cvec wi) { return ADD(MUL(a, wr), MUL(swap(a), wi)); }
#define SQRT __builtin_sqrt
/* The real and imaginary parts of the 2 * CPV complex numbers in a, then b. */
static inline void deinterleave(cvec a, cvec b, cvec *re, cvec *im) {
  *re = wasm_i64x2_shuffle(a, b, 0, 2);
  *im = wasm_i64x2_shuffle(a, b, 1, 3);
}
/* re * re + im * im, rounded as the scalar expression is in this build. */
static inline cvec norm2(cvec re, cvec im) { return ADD(MUL(re, re), MUL(im, im)); }
#define SQRTV wasm_f64x2_sqrt
#define FFT_API

#elif defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>

typedef __m128d c128;
typedef __m512d cvec;
#define CPV 4
#define LD(p) _mm512_loadu_pd(p)
#define ST(p, v) _mm512_storeu_pd((p), (v))
#define ADD _mm512_add_pd
#define SUB _mm512_sub_pd
#define MUL _mm512_mul_pd
#define LD1(p) _mm_loadu_pd(p)
#define ST1(p, v) _mm_storeu_pd((p), (v))
#define LDT(p) _mm512_broadcast_f64x2(_mm_loadu_pd(p))
/* The lane's index must be a constant for the extract: each is spelled out. */
#define ST_LANE(p, v, l)                                                                      \
  _mm_storeu_pd((p), (l) == 0   ? _mm512_castpd512_pd128(v)                                   \
                     : (l) == 1 ? _mm512_extractf64x2_pd((v), 1)                              \
                     : (l) == 2 ? _mm512_extractf64x2_pd((v), 2)                              \
                                : _mm512_extractf64x2_pd((v), 3))
static inline c128 make1(double re, double im) { return _mm_set_pd(im, re); }
static inline cvec swap(cvec a) { return _mm512_permute_pd(a, 0x55); }
static inline cvec conj_mask(void) { return _mm512_set_pd(-1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0); }
static inline cvec mul_mi(cvec a) { return MUL(swap(a), conj_mask()); }
static inline cvec splat(double v) { return _mm512_set1_pd(v); }
static inline c128 splat1(double v) { return _mm_set1_pd(v); }
static inline cvec cmul(cvec a, cvec wr, cvec wi) { return _mm512_fmadd_pd(a, wr, MUL(swap(a), wi)); }
#define SQRT __builtin_sqrt
static inline void deinterleave(cvec a, cvec b, cvec *re, cvec *im) {
  *re = _mm512_permutex2var_pd(a, _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0), b);
  *im = _mm512_permutex2var_pd(a, _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1), b);
}
/* re * re + im * im with one rounding fewer (FMA), as the scalar FMA1(re, re, im * im). */
static inline cvec norm2(cvec re, cvec im) { return _mm512_fmadd_pd(re, re, MUL(im, im)); }
#define SQRTV _mm512_sqrt_pd
#define FFT_API static __attribute__((unused))

#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

typedef __m128d c128;
typedef __m256d cvec;
#define CPV 2
#define LD(p) _mm256_loadu_pd(p)
#define ST(p, v) _mm256_storeu_pd((p), (v))
#define ADD _mm256_add_pd
#define SUB _mm256_sub_pd
#define MUL _mm256_mul_pd
#define LD1(p) _mm_loadu_pd(p)
#define ST1(p, v) _mm_storeu_pd((p), (v))
#define LDT(p) _mm256_broadcast_pd((const __m128d *)(p))
#define ST_LANE(p, v, l) \
  _mm_storeu_pd((p), (l) == 0 ? _mm256_castpd256_pd128(v) : _mm256_extractf128_pd((v), 1))
static inline c128 make1(double re, double im) { return _mm_set_pd(im, re); }
static inline cvec swap(cvec a) { return _mm256_permute_pd(a, 5); }
static inline cvec mul_mi(cvec a) { return MUL(swap(a), _mm256_set_pd(-1.0, 1.0, -1.0, 1.0)); }
static inline cvec splat(double v) { return _mm256_set1_pd(v); }
static inline cvec conj_mask(void) { return _mm256_set_pd(-1.0, 1.0, -1.0, 1.0); }
static inline c128 splat1(double v) { return _mm_set1_pd(v); }
static inline cvec cmul(cvec a, cvec wr, cvec wi) { return _mm256_fmadd_pd(a, wr, MUL(swap(a), wi)); }
#define SQRT __builtin_sqrt
static inline void deinterleave(cvec a, cvec b, cvec *re, cvec *im) {
  /* unpack gives numbers 0, 2, 1, 3; the permute puts them in order */
  *re = _mm256_permute4x64_pd(_mm256_unpacklo_pd(a, b), 0xd8);
  *im = _mm256_permute4x64_pd(_mm256_unpackhi_pd(a, b), 0xd8);
}
static inline cvec norm2(cvec re, cvec im) { return _mm256_fmadd_pd(re, re, MUL(im, im)); }
#define SQRTV _mm256_sqrt_pd
#define FFT_API static __attribute__((unused))

#else
#error "fft2.c builds for WebAssembly SIMD, or x86-64 with AVX-512 (F, DQ) or AVX2 and FMA"
#endif

/* A stage's twiddle table, addressed from its plan (byte offset in the plan's header). */
#define TWIDDLES(T, plan, i) ((const T *)((const char *)(plan) + (plan)[3 + 3 * (i)]))

/* Each stage: x[q + s*(p + k*m)] -> y[q + s*(r*p + j)], times w^(p*j). Twiddles: 4 doubles per (p, j). */

static void stage2(const double *x, double *y, int m, int s, const double *tw) {
  const int step = 2 * s * m;
  for (int p = 0; p < m; p++) {
    const cvec wr = LDT(tw + 4 * p), wi = LDT(tw + 4 * p + 2);
    const double *xp = x + 2 * s * p;
    double *yp = y + 4 * s * p;
    for (int q = 0; q < 2 * s; q += 2 * CPV) {
      cvec a = LD(xp + q), b = LD(xp + q + step);
      ST(yp + q, ADD(a, b));
      ST(yp + q + 2 * s, cmul(SUB(a, b), wr, wi));
    }
  }
}

static void stage4(const double *x, double *y, int m, int s, const double *tw) {
  const int step = 2 * s * m, s2 = 2 * s;
  for (int p = 0; p < m; p++) {
    const double *t = tw + 12 * p;
    const cvec w1r = LDT(t), w1i = LDT(t + 2), w2r = LDT(t + 4), w2i = LDT(t + 6), w3r = LDT(t + 8), w3i = LDT(t + 10);
    const double *xp = x + s2 * p;
    double *yp = y + 4 * s2 * p;
    for (int q = 0; q < s2; q += 2 * CPV) {
      cvec x0 = LD(xp + q), x1 = LD(xp + q + step), x2 = LD(xp + q + 2 * step), x3 = LD(xp + q + 3 * step);
      cvec s02 = ADD(x0, x2), d02 = SUB(x0, x2), s13 = ADD(x1, x3), md13 = mul_mi(SUB(x1, x3));
      ST(yp + q, ADD(s02, s13));
      ST(yp + q + s2, cmul(ADD(d02, md13), w1r, w1i));
      ST(yp + q + 2 * s2, cmul(SUB(s02, s13), w2r, w2i));
      ST(yp + q + 3 * s2, cmul(SUB(d02, md13), w3r, w3i));
    }
  }
}

static void stage8(const double *x, double *y, int m, int s, const double *tw) {
  const int step = 2 * s * m, s2 = 2 * s;
  const cvec r2 = splat(0.70710678118654752440);
  for (int p = 0; p < m; p++) {
    const double *t = tw + 28 * p;
    const double *xp = x + s2 * p;
    double *yp = y + 8 * s2 * p;
    for (int q = 0; q < s2; q += 2 * CPV) {
      const double *a = xp + q;
      cvec a0 = LD(a), a1 = LD(a + step), a2 = LD(a + 2 * step), a3 = LD(a + 3 * step);
      cvec a4 = LD(a + 4 * step), a5 = LD(a + 5 * step), a6 = LD(a + 6 * step), a7 = LD(a + 7 * step);
      cvec u0 = ADD(a0, a4), u1 = ADD(a1, a5), u2 = ADD(a2, a6), u3 = ADD(a3, a7);
      cvec v0 = SUB(a0, a4), d1 = SUB(a1, a5), d2 = SUB(a2, a6), d3 = SUB(a3, a7);
      cvec v1 = MUL(r2, ADD(d1, mul_mi(d1)));
      cvec v2 = mul_mi(d2);
      cvec v3 = MUL(r2, SUB(mul_mi(d3), d3));
      cvec e02 = ADD(u0, u2), f02 = SUB(u0, u2), e13 = ADD(u1, u3), mf13 = mul_mi(SUB(u1, u3));
      cvec g02 = ADD(v0, v2), h02 = SUB(v0, v2), g13 = ADD(v1, v3), mh13 = mul_mi(SUB(v1, v3));
      double *o = yp + q;
      ST(o, ADD(e02, e13));
      ST(o + s2, cmul(ADD(g02, g13), LDT(t), LDT(t + 2)));
      ST(o + 2 * s2, cmul(ADD(f02, mf13), LDT(t + 4), LDT(t + 6)));
      ST(o + 3 * s2, cmul(ADD(h02, mh13), LDT(t + 8), LDT(t + 10)));
      ST(o + 4 * s2, cmul(SUB(e02, e13), LDT(t + 12), LDT(t + 14)));
      ST(o + 5 * s2, cmul(SUB(g02, g13), LDT(t + 16), LDT(t + 18)));
      ST(o + 6 * s2, cmul(SUB(f02, mf13), LDT(t + 20), LDT(t + 22)));
      ST(o + 7 * s2, cmul(SUB(h02, mh13), LDT(t + 24), LDT(t + 26)));
    }
  }
}

static void stage3(const double *x, double *y, int m, int s, const double *tw) {
  const int step = 2 * s * m, s2 = 2 * s;
  const cvec c3 = splat(-0.5), s3 = splat(0.86602540378443864676);
  for (int p = 0; p < m; p++) {
    const double *t = tw + 8 * p;
    const cvec w1r = LDT(t), w1i = LDT(t + 2), w2r = LDT(t + 4), w2i = LDT(t + 6);
    const double *xp = x + s2 * p;
    double *yp = y + 3 * s2 * p;
    for (int q = 0; q < s2; q += 2 * CPV) {
      cvec x0 = LD(xp + q), x1 = LD(xp + q + step), x2 = LD(xp + q + 2 * step);
      cvec sm = ADD(x1, x2);
      cvec mid = ADD(x0, MUL(c3, sm));
      cvec rot = MUL(s3, mul_mi(SUB(x1, x2)));
      ST(yp + q, ADD(x0, sm));
      ST(yp + q + s2, cmul(ADD(mid, rot), w1r, w1i));
      ST(yp + q + 2 * s2, cmul(SUB(mid, rot), w2r, w2i));
    }
  }
}

static void stage5(const double *x, double *y, int m, int s, const double *tw) {
  const int step = 2 * s * m, s2 = 2 * s;
  const cvec c51 = splat(0.30901699437494742410), c52 = splat(-0.80901699437494742410);
  const cvec s51 = splat(0.95105651629515357212), s52 = splat(0.58778525229247312917);
  for (int p = 0; p < m; p++) {
    const double *t = tw + 16 * p;
    const double *xp = x + s2 * p;
    double *yp = y + 5 * s2 * p;
    for (int q = 0; q < s2; q += 2 * CPV) {
      const double *a = xp + q;
      cvec x0 = LD(a), x1 = LD(a + step), x2 = LD(a + 2 * step), x3 = LD(a + 3 * step), x4 = LD(a + 4 * step);
      cvec s14 = ADD(x1, x4), d14 = SUB(x1, x4), s23 = ADD(x2, x3), d23 = SUB(x2, x3);
      cvec m1 = ADD(x0, ADD(MUL(c51, s14), MUL(c52, s23)));
      cvec m2 = ADD(x0, ADD(MUL(c52, s14), MUL(c51, s23)));
      cvec n1 = mul_mi(ADD(MUL(s51, d14), MUL(s52, d23)));
      cvec n2 = mul_mi(SUB(MUL(s52, d14), MUL(s51, d23)));
      double *o = yp + q;
      ST(o, ADD(x0, ADD(s14, s23)));
      ST(o + s2, cmul(ADD(m1, n1), LDT(t), LDT(t + 2)));
      ST(o + 2 * s2, cmul(ADD(m2, n2), LDT(t + 4), LDT(t + 6)));
      ST(o + 3 * s2, cmul(SUB(m2, n2), LDT(t + 8), LDT(t + 10)));
      ST(o + 4 * s2, cmul(SUB(m1, n1), LDT(t + 12), LDT(t + 14)));
    }
  }
}

/*
 * A plan is an int array: [stages, radix0, m0, tw0, radix1, m1, tw1, ..., split], tw as byte
 * offsets from the plan's start. Transforms `batch` sequences (a multiple of CPV) laid out [n][batch] in a, b as scratch; returns
 * the buffer that holds the result. `split` is 0, or the byte offset of a column split
 * (plan_split below; rfft2's column pass uses it).
 */
static double *run_plan(const int *plan, double *a, double *b, int batch) {
  double *x = a, *y = b;
  int s = batch;
  for (int i = 0; i < plan[0]; i++) {
    const int r = plan[1 + 3 * i], m = plan[2 + 3 * i];
    const double *tw = TWIDDLES(double, plan, i);
    switch (r) {
      case 8: stage8(x, y, m, s, tw); break;
      case 4: stage4(x, y, m, s, tw); break;
      case 2: stage2(x, y, m, s, tw); break;
      case 3: stage3(x, y, m, s, tw); break;
      default: stage5(x, y, m, s, tw); break;
    }
    s *= r;
    double *tmp = x;
    x = y;
    y = tmp;
  }
  return x;
}

/*
 * A column split of a plan for n = n1 * n2: ints [n1, n2, plan1, plan2, tw], byte offsets from
 * the plan's start of a plan for n1, one for n2 (each a plan of its own: their twiddles are
 * addressed from themselves) and n1 * n2 twiddles w_n^(i2 * k1) at tw + 32 * (i2 * n1 + k1),
 * stored as the stages' are. NULL when the plan has none.
 */
static const int *plan_split(const int *plan) {
  const int off = plan[1 + 3 * plan[0]];
  return off ? (const int *)((const char *)plan + off) : 0;
}
#define SPLIT_PLAN(plan, split, i) ((const int *)((const char *)(plan) + (split)[2 + (i)]))

/* For tests and benches: one batched 1D transform; returns 0 if the result is in a, 1 if in b. */
FFT_API int fft_batch(const int *plan, double *a, double *b, int batch) { return run_plan(plan, a, b, batch) == a ? 0 : 1; }

enum { DT_U8 = 0, DT_U16 = 1, DT_F32 = 2, DT_F64 = 3 };
enum { OUT_COMPLEX = 0, OUT_HALF = 1, OUT_MAGNITUDE = 2, OUT_LOG_MAGNITUDE = 3, OUT_POWER = 4 };

#define ROW_BLOCK 8
#define COL_BLOCK 16

/*
 * ln(x) for x >= 1 (no libm here): range reduction to [sqrt(1/2), sqrt(2)] and the atanh series,
 * error < 1e-16 relative. FMA1 fuses where the build has FMA, so that ln_ge1 and ln_ge1v (its
 * vectors, below) round alike.
 */
#if defined(__wasm__)
#define FMA1(a, b, c) ((a) * (b) + (c))
#else
#define FMA1(a, b, c) __builtin_fma((a), (b), (c))
#endif
/* The series' polynomial in s2, by FMA (fused or not, as FMA1), constants made by K. */
#define LN_SERIES(p, s2, FMA, K)                                                              \
  p = FMA(p, s2, K(1.0 / 21));                                                                \
  p = FMA(p, s2, K(1.0 / 19));                                                                \
  p = FMA(p, s2, K(1.0 / 17));                                                                \
  p = FMA(p, s2, K(1.0 / 15));                                                                \
  p = FMA(p, s2, K(1.0 / 13));                                                                \
  p = FMA(p, s2, K(1.0 / 11));                                                                \
  p = FMA(p, s2, K(1.0 / 9));                                                                 \
  p = FMA(p, s2, K(1.0 / 7));                                                                 \
  p = FMA(p, s2, K(1.0 / 5));                                                                 \
  p = FMA(p, s2, K(1.0 / 3));
#define SAME_VALUE(x) (x)
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
static double ln_ge1(double x) {
  union { double d; unsigned long long u; } v = {x};
  int e = (int)((v.u >> 52) & 0x7ff) - 1023;
  v.u = (v.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
  double m = v.d;
  if (m > 1.41421356237309504880) {
    m *= 0.5;
    e += 1;
  }
  double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double p = 1.0 / 23;
  LN_SERIES(p, s2, FMA1, SAME_VALUE)
  return FMA1((double)e, LN2_HI, FMA1((double)e, LN2_LO, 2.0 * FMA1(s * s2, p, s)));
}

#if !defined(__wasm__)
#if defined(__AVX512F__)
#define FMA_V _mm512_fmadd_pd
#define DIV_V _mm512_div_pd
#else
#define FMA_V _mm256_fmadd_pd
#define DIV_V _mm256_div_pd
#endif
/* ln_ge1 of each value of x, by the same operations in the same order. */
static inline cvec ln_ge1v(cvec x) {
#if defined(__AVX512F__)
  cvec e = _mm512_getexp_pd(x), m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
  const __mmask8 big = _mm512_cmp_pd_mask(m, splat(1.41421356237309504880), _CMP_GT_OQ);
  m = _mm512_mask_mul_pd(m, big, m, splat(0.5));
  e = _mm512_mask_add_pd(e, big, e, splat(1.0));
#else
  const __m256i bits = _mm256_castpd_si256(x), two52 = _mm256_castpd_si256(splat(4503599627370496.0));
  /* The exponent's bits under 2^52's: exactly 2^52 + the biased exponent, as a double. */
  cvec e = SUB(_mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(bits, 52), two52)), splat(4503599627370496.0 + 1023.0));
  cvec m = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000fffffffffffffLL)),
                                               _mm256_set1_epi64x(0x3ff0000000000000LL)));
  const cvec big = _mm256_cmp_pd(m, splat(1.41421356237309504880), _CMP_GT_OQ);
  m = _mm256_blendv_pd(m, MUL(m, splat(0.5)), big);
  e = ADD(e, _mm256_and_pd(big, splat(1.0)));
#endif
  const cvec s = DIV_V(SUB(m, splat(1.0)), ADD(m, splat(1.0))), s2 = MUL(s, s);
  cvec p = splat(1.0 / 23);
  LN_SERIES(p, s2, FMA_V, splat)
  return FMA_V(e, splat(LN2_HI), FMA_V(e, splat(LN2_LO), MUL(splat(2.0), FMA_V(MUL(s, s2), p, s))));
}
#endif

/*
 * The row pass's input: pairs p0 .. p0+nbp-1 of rows, as complex numbers (row 2i real, row 2i+1
 * imaginary) laid out [k][nbp] in a. GATHER_K columns at a time for every pair, so the lines of
 * a being filled stay in L1: pair by pair over whole rows, each of a's lines (128 kB of them at
 * 1024 columns) was written a pair at a time, the batch's 8 times over, through L2. Timed in a C
 * harness, the gather took 0.77 ms of a 1024^2 transform's 4.2 (AVX2), and takes 0.47 now
 * (docs/performance-fft.md).
 */
#define GATHER_K 16
#define GATHER_ROWS(T, NC)                                                                    \
  {                                                                                           \
    const T *src = (const T *)x;                                                              \
    for (int k0 = 0; k0 < w; k0 += GATHER_K) {                                                \
      const int k1 = w - k0 < GATHER_K ? w : k0 + GATHER_K;                                   \
      for (int i = 0; i < nbp; i++) {                                                         \
        const int r0 = 2 * (p0 + i);                                                          \
        const T *ra = src + (long)r0 * w * (NC);                                              \
        double *o = a + 2 * i + 2 * (long)nbp * k0;                                           \
        if (r0 >= h) { /* padding of a batch to a multiple of CPV */                         \
          for (int k = k0; k < k1; k++, o += 2 * nbp) ST1(o, splat1(0.0));                    \
        } else if (r0 + 1 < h) {                                                              \
          const T *rb = ra + (long)w * (NC);                                                  \
          for (int k = k0; k < k1; k++, o += 2 * nbp) ST1(o, make1((double)ra[k * (NC)], (double)rb[k * (NC)])); \
        } else {                                                                              \
          for (int k = k0; k < k1; k++, o += 2 * nbp) ST1(o, make1((double)ra[k * (NC)], 0.0)); \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
  }

#if !defined(__wasm__)
/*
 * The row pass's input for a whole block of ROW_BLOCK pairs (16 rows, all in the frame) of a
 * one-channel uint8 or uint16 frame, 16 columns at a time: the [k][nbp] layout above is, for
 * nbp = 8, a[16 * k + j] = row (2 * p0 + j)[k], the transpose of the frame's 16 x 16 tile. So
 * each tile is transposed in vector registers (unpacks) and converted 8 or 4 values at a
 * time, where GATHER_ROWS converts and stores one value pair at a time: 0.47 ms of a 1024^2
 * transform's 3.8 (docs/performance-fft.md). Integer to double is exact: the same values.
 */
/* Rows 0-15 of one column of the tile, as doubles, from int32 vectors of rows 0-7 and 8-15. */
#if defined(__AVX512F__)
#define PUT_TILE_ROW(o, lo, hi)                                                               \
  {                                                                                           \
    _mm512_storeu_pd((o), _mm512_cvtepi32_pd(lo));                                            \
    _mm512_storeu_pd((o) + 8, _mm512_cvtepi32_pd(hi));                                        \
  }
#else
#define PUT_TILE_ROW(o, lo, hi)                                                               \
  {                                                                                           \
    _mm256_storeu_pd((o), _mm256_cvtepi32_pd(_mm256_castsi256_si128(lo)));                    \
    _mm256_storeu_pd((o) + 4, _mm256_cvtepi32_pd(_mm256_extracti128_si256((lo), 1)));         \
    _mm256_storeu_pd((o) + 8, _mm256_cvtepi32_pd(_mm256_castsi256_si128(hi)));                \
    _mm256_storeu_pd((o) + 12, _mm256_cvtepi32_pd(_mm256_extracti128_si256((hi), 1)));        \
  }
#endif

/* The 16 x 16 uint8 tile at src (rows `stride` bytes apart) into o[16 * k + j]. */
static inline void tile_u8(const unsigned char *src, long stride, double *o) {
  __m128i r[16], t[16], u[16], v[16];
  for (int j = 0; j < 16; j++) r[j] = _mm_loadu_si128((const __m128i *)(src + j * stride));
  /* t[j]: columns 0-7 of rows 2j, 2j+1, byte-interleaved; t[8 + j]: columns 8-15. */
  for (int j = 0; j < 8; j++) {
    t[j] = _mm_unpacklo_epi8(r[2 * j], r[2 * j + 1]);
    t[8 + j] = _mm_unpackhi_epi8(r[2 * j], r[2 * j + 1]);
  }
  /* u[q + m], q in {0, 4, 8, 12}: columns q..q+3 of rows 4m..4m+3, 4 bytes per column. */
  for (int g = 0; g < 16; g += 8)
    for (int m = 0; m < 4; m++) {
      u[g + m] = _mm_unpacklo_epi16(t[g + 2 * m], t[g + 2 * m + 1]);
      u[g + 4 + m] = _mm_unpackhi_epi16(t[g + 2 * m], t[g + 2 * m + 1]);
    }
  /* v[q + n]: columns q, q+1 of rows 8n..8n+7; v[q + 2 + n]: columns q+2, q+3. */
  for (int q = 0; q < 16; q += 4)
    for (int n = 0; n < 2; n++) {
      v[q + n] = _mm_unpacklo_epi32(u[q + 2 * n], u[q + 2 * n + 1]);
      v[q + 2 + n] = _mm_unpackhi_epi32(u[q + 2 * n], u[q + 2 * n + 1]);
    }
  /* Column k's 16 rows: bytes 0-7 from v[k], 8-15 from v[k + 1] (k even), and so for k + 1. */
  for (int k = 0; k < 16; k += 2) {
    const __m128i c0 = _mm_unpacklo_epi64(v[k], v[k + 1]), c1 = _mm_unpackhi_epi64(v[k], v[k + 1]);
#if defined(__AVX512F__)
    const __m512i w0 = _mm512_cvtepu8_epi32(c0), w1 = _mm512_cvtepu8_epi32(c1);
    PUT_TILE_ROW(o + 16 * k, _mm512_castsi512_si256(w0), _mm512_extracti64x4_epi64(w0, 1))
    PUT_TILE_ROW(o + 16 * (k + 1), _mm512_castsi512_si256(w1), _mm512_extracti64x4_epi64(w1, 1))
#else
    PUT_TILE_ROW(o + 16 * k, _mm256_cvtepu8_epi32(c0), _mm256_cvtepu8_epi32(_mm_srli_si128(c0, 8)))
    PUT_TILE_ROW(o + 16 * (k + 1), _mm256_cvtepu8_epi32(c1), _mm256_cvtepu8_epi32(_mm_srli_si128(c1, 8)))
#endif
  }
}

/* The 8 x 8 uint16 block at src (rows `stride` values apart) into c[k]: rows 0-7 of column k. */
static inline void transpose8_u16(const unsigned short *src, long stride, __m128i c[8]) {
  __m128i r[8], t[8], u[8];
  for (int j = 0; j < 8; j++) r[j] = _mm_loadu_si128((const __m128i *)(src + j * stride));
  for (int m = 0; m < 4; m++) {
    t[m] = _mm_unpacklo_epi16(r[2 * m], r[2 * m + 1]);
    t[4 + m] = _mm_unpackhi_epi16(r[2 * m], r[2 * m + 1]);
  }
  for (int g = 0; g < 8; g += 4)
    for (int n = 0; n < 2; n++) {
      u[g + n] = _mm_unpacklo_epi32(t[g + 2 * n], t[g + 2 * n + 1]);
      u[g + 2 + n] = _mm_unpackhi_epi32(t[g + 2 * n], t[g + 2 * n + 1]);
    }
  for (int k = 0; k < 8; k += 2) {
    c[k] = _mm_unpacklo_epi64(u[k], u[k + 1]);
    c[k + 1] = _mm_unpackhi_epi64(u[k], u[k + 1]);
  }
}

/* The 16 x 16 uint16 tile at src (rows `stride` values apart) into o[16 * k + j]. */
static inline void tile_u16(const unsigned short *src, long stride, double *o) {
  for (int k0 = 0; k0 < 16; k0 += 8) {
    __m128i top[8], bottom[8];
    transpose8_u16(src + k0, stride, top);
    transpose8_u16(src + 8 * stride + k0, stride, bottom);
    for (int k = 0; k < 8; k++) PUT_TILE_ROW(o + 16 * (k0 + k), _mm256_cvtepu16_epi32(top[k]), _mm256_cvtepu16_epi32(bottom[k]))
  }
}
#undef PUT_TILE_ROW

/*
 * The block's gather by tiles where it can be: a one-channel uint8 or uint16 frame, a whole
 * block whose 16 rows are all in the frame. Returns 0 where GATHER_ROWS must do it.
 */
static int gather_tiles(const void *x, int dtype, int h, int w, int nc, int p0, int nb, double *a) {
  if (nc != 1 || nb != ROW_BLOCK || 2 * (p0 + ROW_BLOCK) > h || (dtype != DT_U8 && dtype != DT_U16)) return 0;
  const long first = 2L * p0 * w;
  int k0 = 0;
  if (dtype == DT_U8) {
    const unsigned char *src = (const unsigned char *)x + first;
    for (; k0 + 16 <= w; k0 += 16) tile_u8(src + k0, w, a + 16L * k0);
    for (int k = k0; k < w; k++)
      for (int j = 0; j < 16; j++) a[16L * k + j] = (double)src[(long)j * w + k];
  } else {
    const unsigned short *src = (const unsigned short *)x + first;
    for (; k0 + 16 <= w; k0 += 16) tile_u16(src + k0, w, a + 16L * k0);
    for (int k = k0; k < w; k++)
      for (int j = 0; j < 16; j++) a[16L * k + j] = (double)src[(long)j * w + k];
  }
  return 1;
}
#else
/* WebAssembly: GATHER_ROWS throughout (the .wasm is built from this file without these). */
#define gather_tiles(x, dtype, h, w, nc, p0, nb, a) 0
#endif

/*
 * Full-spectrum outputs: the column pass leaves its results in the half spectrum's rows,
 * row r at half + 2*r*stride (complex numbers, or real values side by side); each row fills its own
 * output row, value k at column (k + sw) mod w, and the mirrored one (X[-r][-k] = conj X[r][k]),
 * value k at column (w - k + sw) mod w for 1 <= k <= w - c. Each part is cut where its column
 * wraps, so every loop writes a run of consecutive columns: with NC a literal 1, plain copies
 * the compiler turns into vectors (a wrap test per column kept them scalar: 0.3 ms of a 1024^2
 * magnitude). K: 2 for complex output, 1 for real outputs (magnitude, log-magnitude, power);
 * NC: the channels interleaved in out.
 */
#define SPREAD_ROWS(T, stride, K, NC)                                                         \
  for (int r = 0; r < h; r++) {                                                               \
    int dr = r + sh;                                                                          \
    if (dr >= h) dr -= h;                                                                     \
    int mr = (h - r) % h + sh;                                                                \
    if (mr >= h) mr -= h;                                                                     \
    const T *m = half + 2 * (long)r * (stride);                                               \
    T *o = out + (long)(K) * dr * w * (NC), *om = out + (long)(K) * mr * w * (NC);            \
    const int first = c < w - sw ? c : w - sw, wrapped = sw < w - c ? sw : w - c;            \
    for (int k = 0; k < first; k++) SPREAD_ONE(o, k + sw, m, k, K, NC, 1)                     \
    for (int k = first; k < c; k++) SPREAD_ONE(o, k + sw - w, m, k, K, NC, 1)                 \
    for (int j = sw - wrapped; j < sw; j++) SPREAD_ONE(om, j, m, sw - j, K, NC, -1)           \
    for (int j = c + sw; j < w; j++) SPREAD_ONE(om, j, m, w + sw - j, K, NC, -1)              \
  }
/* Value k of m into column j of row o; a complex number's imaginary part times `conj`. */
#define SPREAD_ONE(o, j, m, k, K, NC, conj)                                                   \
  {                                                                                           \
    (o)[(K) * (j) * (NC)] = (m)[(K) * (k)];                                                   \
    if ((K) == 2) (o)[(K) * (j) * (NC) + 1] = (conj) * (m)[2 * (k) + 1];                      \
  }

/* SPREAD_ROWS for nc channels, with a literal 1 for (H, W) frames. */
#define SPREAD(T, stride, K)                                            \
  if (nc == 1) { SPREAD_ROWS(T, stride, K, 1) }                         \
  else { SPREAD_ROWS(T, stride, K, nc) }

/*
 * The whole transform: frame x (dtype, h x w, one of nc interleaved channels) -> out in the
 * layout of `mode` (nc channels interleaved), shifted if asked. half: [h][cp] complex
 * scratch, cp = w/2+1 rounded up to a multiple of CPV; a, b: 2*max(ROW_BLOCK*w, COL_BLOCK*h)
 * doubles each.
 */
FFT_API void rfft2(const void *x, int dtype, int h, int w, const int *plan_w, const int *plan_h, double *half, double *a,
           double *b, double *out, int mode, int shift, int nc) {
  const int c = w / 2 + 1;
  const int cp = (c + CPV - 1) / CPV * CPV;
  const int pairs = (h + 1) / 2;
  /*
   * The half spectrum of a one-channel frame is the output itself: the row pass writes it
   * into out and the column pass transforms it there, in place. The scratch half spectrum
   * (34 MB at 2048^2, past the last-level cache) would be one more pass through memory.
   */
  const int direct = mode == OUT_HALF && nc == 1;
  double *rows = direct ? out : half;
  const long stride = direct ? c : cp;
  for (int p0 = 0; p0 < pairs; p0 += ROW_BLOCK) {
    const int nb = pairs - p0 < ROW_BLOCK ? pairs - p0 : ROW_BLOCK;
    const int nbp = (nb + CPV - 1) / CPV * CPV;
    if (!gather_tiles(x, dtype, h, w, nc, p0, nb, a)) switch (dtype) {
      case DT_U8: if (nc == 1) GATHER_ROWS(unsigned char, 1) else GATHER_ROWS(unsigned char, nc) break;
      case DT_U16: if (nc == 1) GATHER_ROWS(unsigned short, 1) else GATHER_ROWS(unsigned short, nc) break;
      case DT_F32: if (nc == 1) GATHER_ROWS(float, 1) else GATHER_ROWS(float, nc) break;
      default: if (nc == 1) GATHER_ROWS(double, 1) else GATHER_ROWS(double, nc) break;
    }
    const double *z = run_plan(plan_w, a, b, nbp);
    /*
     * Xa = (Z_k + conj Z_-k) / 2, Xb = (Z_k - conj Z_-k) / 2i, for CPV pairs at once: Z_k of
     * neighbouring pairs lie side by side, so k runs outside and the pairs inside.
     */
    const cvec halfv = splat(0.5), conj = conj_mask();
    /* Every pair of the batch is two rows of the frame: each lane's two stores, unconditionally. */
    const int whole = nb == nbp && 2 * (p0 + nb) <= h;
    for (int k = 0; k < c; k++) {
      const int km = k == 0 ? 0 : w - k;
      for (int i = 0; i < nb; i += CPV) {
        const cvec zk = LD(z + 2 * (k * nbp + i)), czm = MUL(LD(z + 2 * (km * nbp + i)), conj);
        const cvec xa = MUL(halfv, ADD(zk, czm));
        /* (zk - conj zm) / 2i = -i/2 (zk - conj zm) */
        const cvec xb = MUL(halfv, mul_mi(SUB(zk, czm)));
        if (whole) {
          for (int l = 0; l < CPV; l++) {
            double *ea = rows + 2 * (long)(2 * (p0 + i + l)) * stride + 2 * k;
            ST_LANE(ea, xa, l);
            ST_LANE(ea + 2 * stride, xb, l);
          }
        } else {
          for (int l = 0; l < CPV && i + l < nb; l++) {
            const int r0 = 2 * (p0 + i + l);
            double *ea = rows + 2 * (long)r0 * stride;
            ST_LANE(ea + 2 * k, xa, l);
            if (r0 + 1 < h) ST_LANE(ea + 2 * stride + 2 * k, xb, l);
          }
        }
      }
    }
  }

  const int sh = shift ? h / 2 : 0;
  const int sw = shift && mode != OUT_HALF ? w / 2 : 0;
  const int cplx = mode == OUT_COMPLEX || mode == OUT_HALF;
  /*
   * The column pass, COL_BLOCK columns at a time. Each block is gathered into a ([h][nbp]) and
   * transformed along h there; where the column plan has a split (h = n1 * n2, plan_split),
   * in two steps whose working sets stay in L1 instead of passing the whole block (512 kB at
   * h = 2048) through L2 at every stage: n1-point transforms of the rows i2, i2 + n2, ...
   * gathered into b, times w_h^(i2 * k1), into a as [k1][i2]; then n2-point transforms of
   * each k1's n2 rows, whose result k2 is frequency k1 + n1 * k2. Every read of the block's
   * columns comes before any write to them (the direct path transforms `out` in place).
   */
#define GATHER_COLUMNS(dst, r)                                                                \
  {                                                                                           \
    const double *src = rows + 2 * ((long)(r) * stride + k0);                                 \
    double *d = (dst);                                                                        \
    if (nb == nbp) {                                                                          \
      for (int j = 0; j < 2 * nbp; j += 2 * CPV) ST(d + j, LD(src + j));                      \
    } else { /* the last block's padding columns: zeros, read from nowhere */                 \
      for (int j = 0; j < 2 * nb; j++) d[j] = src[j];                                         \
      for (int j = 2 * nb; j < 2 * nbp; j++) d[j] = 0.0;                                      \
    }                                                                                         \
  }
/* log(1 + v) for log-magnitude, natively in vectors; WebAssembly does it value by value. */
#if defined(__wasm__)
#define LOG_IF(mode, v) (v)
#define LOG_VALUES(mode, o, n)                                                                \
  if ((mode) == OUT_LOG_MAGNITUDE)                                                            \
    for (int j = 0; j < (n); j++) (o)[j] = ln_ge1(1.0 + (o)[j]);
#else
#define LOG_IF(mode, v) ((mode) == OUT_LOG_MAGNITUDE ? ln_ge1v(ADD(splat(1.0), (v))) : (v))
#define LOG_VALUES(mode, o, n)
#endif
/* Row r of the column pass's result, at zr, into its place for `mode`. */
#define PUT_COLUMNS(zr, r)                                                                    \
  {                                                                                           \
    int dr = (r) + sh;                                                                        \
    if (dr >= h) dr -= h;                                                                     \
    if (!cplx && nb == nbp && nbp % (2 * CPV) == 0) { /* whole vectors of values */          \
      double *o = half + 2 * (long)(r) * cp + k0;                                             \
      for (int j = 0; j < nbp; j += 2 * CPV) {                                                \
        cvec re, im;                                                                          \
        deinterleave(LD((zr) + 2 * j), LD((zr) + 2 * j + 2 * CPV), &re, &im);                 \
        const cvec pw = norm2(re, im);                                                        \
        ST(o + j, mode == OUT_POWER ? pw : LOG_IF(mode, SQRTV(pw)));                          \
      }                                                                                       \
      LOG_VALUES(mode, o, nb)                                                                 \
    } else if (mode == OUT_COMPLEX && nb == nbp) { /* whole vectors of numbers */             \
      double *o = half + 2 * ((long)(r) * cp + k0);                                           \
      for (int j = 0; j < 2 * nbp; j += 2 * CPV) ST(o + j, LD((zr) + j));                     \
    } else                                                                                    \
    for (int j = 0; j < nb; j++) {                                                            \
      const int k = k0 + j;                                                                   \
      if (mode == OUT_HALF) {                                                                 \
        ST1(out + 2 * ((long)dr * c + k) * nc, LD1((zr) + 2 * j));                            \
      } else if (cplx) {                                                                      \
        ST1(half + 2 * ((long)(r) * cp + k), LD1((zr) + 2 * j));                              \
      } else {                                                                                \
        const double re = (zr)[2 * j], im = (zr)[2 * j + 1];                                  \
        double pw = FMA1(re, re, im * im); /* as norm2 */                                     \
        double val = mode == OUT_POWER ? pw : SQRT(pw);                                       \
        if (mode == OUT_LOG_MAGNITUDE) val = ln_ge1(1.0 + val);                               \
        /* Kept in row r of the half spectrum, value k at double k (columns up to this block's \
         * last, all read), and laid out row by row below: written here, column blocks would  \
         * scatter partial cache lines. */                                                    \
        half[2 * (long)(r) * cp + k] = val;                                                   \
      }                                                                                       \
    }                                                                                         \
  }
  const int *split = plan_split(plan_h);
  for (int k0 = 0; k0 < c; k0 += COL_BLOCK) {
    const int nb = c - k0 < COL_BLOCK ? c - k0 : COL_BLOCK;
    const int nbp = (nb + CPV - 1) / CPV * CPV;
    if (split) {
      const int n1 = split[0], n2 = split[1];
      const int *plan1 = SPLIT_PLAN(plan_h, split, 0), *plan2 = SPLIT_PLAN(plan_h, split, 1);
      const double *tw12 = (const double *)((const char *)plan_h + split[4]);
      double *s1 = b, *s2 = b + 2 * (long)(n1 > n2 ? n1 : n2) * nbp;
      for (int i2 = 0; i2 < n2; i2++) {
        for (int i1 = 0; i1 < n1; i1++) GATHER_COLUMNS(s1 + 2 * i1 * nbp, n2 * i1 + i2)
        const double *z = run_plan(plan1, s1, s2, nbp);
        const double *tw = tw12 + 4 * (long)i2 * n1;
        for (int k1 = 0; k1 < n1; k1++) {
          const cvec wr = LDT(tw + 4 * k1), wi = LDT(tw + 4 * k1 + 2);
          const double *zr = z + 2 * k1 * nbp;
          double *o = a + 2 * ((long)k1 * n2 + i2) * nbp;
          for (int j = 0; j < 2 * nbp; j += 2 * CPV) ST(o + j, cmul(LD(zr + j), wr, wi));
        }
      }
      for (int k1 = 0; k1 < n1; k1++) {
        const double *z = run_plan(plan2, a + 2 * (long)k1 * n2 * nbp, s1, nbp);
        for (int k2 = 0; k2 < n2; k2++) PUT_COLUMNS(z + 2 * k2 * nbp, k1 + n1 * k2)
      }
    } else {
      for (int r = 0; r < h; r++) GATHER_COLUMNS(a + 2 * r * nbp, r)
      const double *z = run_plan(plan_h, a, b, nbp);
      for (int r = 0; r < h; r++) PUT_COLUMNS(z + 2 * r * nbp, r)
    }
  }
#undef GATHER_COLUMNS
#undef PUT_COLUMNS
  if (mode == OUT_COMPLEX) { SPREAD(double, cp, 2) }
  else if (!cplx) { SPREAD(double, cp, 1) }
}

#if defined(__wasm__)
/* ------------------------------------------------------------------------------------ */
/*
 * The fast (float32) transform: the same stages on f32x4 vectors that hold two complex
 * numbers of neighbouring sequences in the batch (so batches are even). Twiddles: 8 floats
 * per (p, j): wr x4, then (-wi, wi, -wi, wi). float32 loses the detail under a large mean,
 * so each row is centred on its mean first and the zero-frequency column (the exact row
 * sums) is transformed in float64 with the plan `plan_h64`.
 */
typedef v128_t c64x2;

#define FADD wasm_f32x4_add
#define FSUB wasm_f32x4_sub
#define FMUL wasm_f32x4_mul

static inline c64x2 fswap(c64x2 a) { return wasm_i32x4_shuffle(a, a, 1, 0, 3, 2); }
static inline c64x2 fcmul(c64x2 a, c64x2 wr, c64x2 wi) { return FADD(FMUL(a, wr), FMUL(fswap(a), wi)); }
static inline c64x2 fmul_mi(c64x2 a) { return FMUL(fswap(a), wasm_f32x4_make(1.0f, -1.0f, 1.0f, -1.0f)); }
static inline c64x2 fsplat(float v) { return wasm_f32x4_splat(v); }

static void fstage2(const float *x, float *y, int m, int s, const float *tw) {
  const int step = 2 * s * m;
  for (int p = 0; p < m; p++) {
    const c64x2 wr = LD(tw + 8 * p), wi = LD(tw + 8 * p + 4);
    const float *xp = x + 2 * s * p;
    float *yp = y + 4 * s * p;
    for (int q = 0; q < 2 * s; q += 4) {
      c64x2 a = LD(xp + q), b = LD(xp + q + step);
      ST(yp + q, FADD(a, b));
      ST(yp + q + 2 * s, fcmul(FSUB(a, b), wr, wi));
    }
  }
}

static void fstage4(const float *x, float *y, int m, int s, const float *tw) {
  const int step = 2 * s * m, s2 = 2 * s;
  for (int p = 0; p < m; p++) {
    const float *t = tw + 24 * p;
    const c64x2 w1r = LD(t), w1i = LD(t + 4), w2r = LD(t + 8), w2i = LD(t + 12), w3r = LD(t + 16), w3i = LD(t + 20);
    const float *xp = x + s2 * p;
    float *yp = y + 4 * s2 * p;
    for (int q = 0; q < s2; q += 4) {
      c64x2 x0 = LD(xp + q), x1 = LD(xp + q + step), x2 = LD(xp + q + 2 * step), x3 = LD(xp + q + 3 * step);
      c64x2 s02 = FADD(x0, x2), d02 = FSUB(x0, x2), s13 = FADD(x1, x3), md13 = fmul_mi(FSUB(x1, x3));
      ST(yp + q, FADD(s02, s13));
      ST(yp + q + s2, fcmul(FADD(d02, md13), w1r, w1i));
      ST(yp + q + 2 * s2, fcmul(FSUB(s02, s13), w2r, w2i));
      ST(yp + q + 3 * s2, fcmul(FSUB(d02, md13), w3r, w3i));
    }
  }
}

static void fstage8(const float *x, float *y, int m, int s, const float *tw) {
  const int step = 2 * s * m, s2 = 2 * s;
  const c64x2 r2 = fsplat(0.70710678118654752440f);
  for (int p = 0; p < m; p++) {
    const float *t = tw + 56 * p;
    const float *xp = x + s2 * p;
    float *yp = y + 8 * s2 * p;
    for (int q = 0; q < s2; q += 4) {
      const float *a = xp + q;
      c64x2 a0 = LD(a), a1 = LD(a + step), a2 = LD(a + 2 * step), a3 = LD(a + 3 * step);
      c64x2 a4 = LD(a + 4 * step), a5 = LD(a + 5 * step), a6 = LD(a + 6 * step), a7 = LD(a + 7 * step);
      c64x2 u0 = FADD(a0, a4), u1 = FADD(a1, a5), u2 = FADD(a2, a6), u3 = FADD(a3, a7);
      c64x2 v0 = FSUB(a0, a4), d1 = FSUB(a1, a5), d2 = FSUB(a2, a6), d3 = FSUB(a3, a7);
      c64x2 v1 = FMUL(r2, FADD(d1, fmul_mi(d1)));
      c64x2 v2 = fmul_mi(d2);
      c64x2 v3 = FMUL(r2, FSUB(fmul_mi(d3), d3));
      c64x2 e02 = FADD(u0, u2), f02 = FSUB(u0, u2), e13 = FADD(u1, u3), mf13 = fmul_mi(FSUB(u1, u3));
      c64x2 g02 = FADD(v0, v2), h02 = FSUB(v0, v2), g13 = FADD(v1, v3), mh13 = fmul_mi(FSUB(v1, v3));
      float *o = yp + q;
      ST(o, FADD(e02, e13));
      ST(o + s2, fcmul(FADD(g02, g13), LD(t), LD(t + 4)));
      ST(o + 2 * s2, fcmul(FADD(f02, mf13), LD(t + 8), LD(t + 12)));
      ST(o + 3 * s2, fcmul(FADD(h02, mh13), LD(t + 16), LD(t + 20)));
      ST(o + 4 * s2, fcmul(FSUB(e02, e13), LD(t + 24), LD(t + 28)));
      ST(o + 5 * s2, fcmul(FSUB(g02, g13), LD(t + 32), LD(t + 36)));
      ST(o + 6 * s2, fcmul(FSUB(f02, mf13), LD(t + 40), LD(t + 44)));
      ST(o + 7 * s2, fcmul(FSUB(h02, mh13), LD(t + 48), LD(t + 52)));
    }
  }
}

static void fstage3(const float *x, float *y, int m, int s, const float *tw) {
  const int step = 2 * s * m, s2 = 2 * s;
  const c64x2 c3 = fsplat(-0.5f), s3 = fsplat(0.86602540378443864676f);
  for (int p = 0; p < m; p++) {
    const float *t = tw + 16 * p;
    const c64x2 w1r = LD(t), w1i = LD(t + 4), w2r = LD(t + 8), w2i = LD(t + 12);
    const float *xp = x + s2 * p;
    float *yp = y + 3 * s2 * p;
    for (int q = 0; q < s2; q += 4) {
      c64x2 x0 = LD(xp + q), x1 = LD(xp + q + step), x2 = LD(xp + q + 2 * step);
      c64x2 sm = FADD(x1, x2);
      c64x2 mid = FADD(x0, FMUL(c3, sm));
      c64x2 rot = FMUL(s3, fmul_mi(FSUB(x1, x2)));
      ST(yp + q, FADD(x0, sm));
      ST(yp + q + s2, fcmul(FADD(mid, rot), w1r, w1i));
      ST(yp + q + 2 * s2, fcmul(FSUB(mid, rot), w2r, w2i));
    }
  }
}

static void fstage5(const float *x, float *y, int m, int s, const float *tw) {
  const int step = 2 * s * m, s2 = 2 * s;
  const c64x2 c51 = fsplat(0.30901699437494742410f), c52 = fsplat(-0.80901699437494742410f);
  const c64x2 s51 = fsplat(0.95105651629515357212f), s52 = fsplat(0.58778525229247312917f);
  for (int p = 0; p < m; p++) {
    const float *t = tw + 32 * p;
    const float *xp = x + s2 * p;
    float *yp = y + 5 * s2 * p;
    for (int q = 0; q < s2; q += 4) {
      const float *a = xp + q;
      c64x2 x0 = LD(a), x1 = LD(a + step), x2 = LD(a + 2 * step), x3 = LD(a + 3 * step), x4 = LD(a + 4 * step);
      c64x2 s14 = FADD(x1, x4), d14 = FSUB(x1, x4), s23 = FADD(x2, x3), d23 = FSUB(x2, x3);
      c64x2 m1 = FADD(x0, FADD(FMUL(c51, s14), FMUL(c52, s23)));
      c64x2 m2 = FADD(x0, FADD(FMUL(c52, s14), FMUL(c51, s23)));
      c64x2 n1 = fmul_mi(FADD(FMUL(s51, d14), FMUL(s52, d23)));
      c64x2 n2 = fmul_mi(FSUB(FMUL(s52, d14), FMUL(s51, d23)));
      float *o = yp + q;
      ST(o, FADD(x0, FADD(s14, s23)));
      ST(o + s2, fcmul(FADD(m1, n1), LD(t), LD(t + 4)));
      ST(o + 2 * s2, fcmul(FADD(m2, n2), LD(t + 8), LD(t + 12)));
      ST(o + 3 * s2, fcmul(FSUB(m2, n2), LD(t + 16), LD(t + 20)));
      ST(o + 4 * s2, fcmul(FSUB(m1, n1), LD(t + 24), LD(t + 28)));
    }
  }
}

/* Same plan format as run_plan, float32 twiddles; batch must be even. */
static float *frun_plan(const int *plan, float *a, float *b, int batch) {
  float *x = a, *y = b;
  int s = batch;
  for (int i = 0; i < plan[0]; i++) {
    const int r = plan[1 + 3 * i], m = plan[2 + 3 * i];
    const float *tw = TWIDDLES(float, plan, i);
    switch (r) {
      case 8: fstage8(x, y, m, s, tw); break;
      case 4: fstage4(x, y, m, s, tw); break;
      case 2: fstage2(x, y, m, s, tw); break;
      case 3: fstage3(x, y, m, s, tw); break;
      default: fstage5(x, y, m, s, tw); break;
    }
    s *= r;
    float *tmp = x;
    x = y;
    y = tmp;
  }
  return x;
}

/* S: the sum's type. Integer frames sum exactly in integers, which the compiler vectorizes. */
#define FGATHER_ROWS(T, S, NC)                                                   \
  {                                                                              \
    const T *src = (const T *)x;                                                 \
    for (int i = 0; i < nb; i++) {                                               \
      const int r0 = 2 * (p0 + i);                                               \
      float *o = a + 2 * i;                                                      \
      if (r0 >= h) { /* padding pair of an odd batch */                          \
        for (int k = 0; k < w; k++, o += 2 * nb) o[0] = o[1] = 0.0f;             \
        continue;                                                                \
      }                                                                          \
      const T *ra = src + (long)r0 * w * (NC);                                   \
      const int has_b = r0 + 1 < h;                                              \
      const T *rb = has_b ? ra + (long)w * (NC) : ra;                            \
      S sa = 0, sb = 0;                                                          \
      for (int k = 0; k < w; k++) sa += ra[k * (NC)];                            \
      for (int k = 0; k < w; k++) sb += rb[k * (NC)];                            \
      dc[2 * r0] = (double)sa;                                                   \
      if (has_b) dc[2 * (r0 + 1)] = (double)sb;                                  \
      const float ma = (float)((double)sa / w), mb = has_b ? (float)((double)sb / w) : 0.0f; \
      if (has_b)                                                                 \
        for (int k = 0; k < w; k++, o += 2 * nb) {                               \
          o[0] = (float)ra[k * (NC)] - ma;                                       \
          o[1] = (float)rb[k * (NC)] - mb;                                       \
        }                                                                        \
      else                                                                       \
        for (int k = 0; k < w; k++, o += 2 * nb) {                               \
          o[0] = (float)ra[k * (NC)] - ma;                                       \
          o[1] = 0.0f;                                                           \
        }                                                                        \
    }                                                                            \
  }

/*
 * Fast transform: frame x -> out (complex64 or float32), nc channels as rfft2. half: [h][cp] complex float,
 * cp = (w/2+1) rounded up to even; a, b: 2*max(ROW_BLOCK*w, COL_BLOCK*h) floats each; dc:
 * 2*h doubles, dcb: 2*h doubles scratch.
 */
void rfft2f(const void *x, int dtype, int h, int w, const int *plan_w, const int *plan_h, const int *plan_h64,
            float *half, float *a, float *b, double *dc, double *dcb, float *out, int mode, int shift, int nc) {
  const int c = w / 2 + 1;
  const int cp = (c + 1) & ~1;
  const int pairs = (h + 1) / 2;
  for (int r = 0; r < h; r++) half[2 * ((long)r * cp + cp - 1)] = half[2 * ((long)r * cp + cp - 1) + 1] = 0.0f;
  for (int p0 = 0; p0 < pairs; p0 += ROW_BLOCK) {
    int nb = pairs - p0 < ROW_BLOCK ? pairs - p0 : ROW_BLOCK;
    nb += nb & 1;
    switch (dtype) {
      case DT_U8: if (nc == 1) FGATHER_ROWS(unsigned char, unsigned int, 1) else FGATHER_ROWS(unsigned char, unsigned int, nc) break;
      case DT_U16: if (nc == 1) FGATHER_ROWS(unsigned short, unsigned long long, 1) else FGATHER_ROWS(unsigned short, unsigned long long, nc) break;
      case DT_F32: if (nc == 1) FGATHER_ROWS(float, double, 1) else FGATHER_ROWS(float, double, nc) break;
      default: if (nc == 1) FGATHER_ROWS(double, double, 1) else FGATHER_ROWS(double, double, nc) break;
    }
    const float *z = frun_plan(plan_w, a, b, nb);
    /* Xa = (Z_k + conj Z_-k) / 2, Xb = (Z_k - conj Z_-k) / 2i, for pairs i and i+1 at once. */
    const c64x2 fhalf = fsplat(0.5f), fconj = wasm_f32x4_make(1.0f, -1.0f, 1.0f, -1.0f);
    for (int i = 0; i < nb; i += 2) {
      const int r0 = 2 * (p0 + i);
      if (r0 >= h) break;
      /* rows r0, r0+1 from pair i; rows r0+2, r0+3 from pair i+1 (those past h are skipped) */
      float *e0 = half + 2 * (long)r0 * cp;
      float *e1 = e0 + 2 * cp, *e2 = e1 + 2 * cp, *e3 = e2 + 2 * cp;
      const int n_rows = h - r0 < 4 ? h - r0 : 4;
      for (int k = 0; k < c; k++) {
        const int km = k == 0 ? 0 : w - k;
        c64x2 zk = LD(z + 2 * (k * nb + i)), czm = FMUL(LD(z + 2 * (km * nb + i)), fconj);
        c64x2 xa = FMUL(fhalf, FADD(zk, czm));
        c64x2 xb = FMUL(fhalf, fmul_mi(FSUB(zk, czm)));
        wasm_v128_store64_lane(e0 + 2 * k, xa, 0);
        if (n_rows > 1) wasm_v128_store64_lane(e1 + 2 * k, xb, 0);
        if (n_rows > 2) wasm_v128_store64_lane(e2 + 2 * k, xa, 1);
        if (n_rows > 3) wasm_v128_store64_lane(e3 + 2 * k, xb, 1);
      }
    }
  }
  /* The zero-frequency column in float64: the FFT of the exact row sums. */
  for (int r = 0; r < h; r++) dc[2 * r + 1] = 0;
  const double *dcs = run_plan(plan_h64, dc, dcb, 1);

  const int sh = shift ? h / 2 : 0;
  const int sw = shift && mode != OUT_HALF ? w / 2 : 0;
  const int cplx = mode == OUT_COMPLEX || mode == OUT_HALF;
  for (int k0 = 0; k0 < c; k0 += COL_BLOCK) {
    int nb = c - k0 < COL_BLOCK ? c - k0 : COL_BLOCK;
    const int nbp = nb + (nb & 1);
    for (int r = 0; r < h; r++) {
      const float *src = half + 2 * ((long)r * cp + k0);
      float *dst = a + 2 * r * nbp;
      for (int j = 0; j < 2 * nbp; j += 4) ST(dst + j, LD(src + j));
    }
    const float *z = frun_plan(plan_h, a, b, nbp);
    for (int r = 0; r < h; r++) {
      int dr = r + sh;
      if (dr >= h) dr -= h;
      const float *zr = z + 2 * r * nbp;
      for (int j = 0; j < nb; j++) {
        const int k = k0 + j;
        float re = zr[2 * j], im = zr[2 * j + 1];
        if (k == 0) {
          re = (float)dcs[2 * r];
          im = (float)dcs[2 * r + 1];
        }
        if (mode == OUT_HALF) {
          float *o = out + 2 * ((long)dr * c + k) * nc;
          o[0] = re;
          o[1] = im;
        } else if (cplx) {
          float *o = half + 2 * ((long)r * cp + k);
          o[0] = re;
          o[1] = im;
        } else {
          /* The zero-frequency column in float64: its magnitude is the largest of all. */
          double pw = k == 0 ? dcs[2 * r] * dcs[2 * r] + dcs[2 * r + 1] * dcs[2 * r + 1] : (double)(re * re + im * im);
          double val = mode == OUT_POWER ? pw : __builtin_sqrt(pw);
          if (mode == OUT_LOG_MAGNITUDE) val = ln_ge1(1.0 + val);
          half[2 * (long)r * cp + k] = (float)val;
        }
      }
    }
  }
  if (mode == OUT_COMPLEX) { SPREAD(float, cp, 2) }
  else if (!cplx) { SPREAD(float, cp, 1) }
}
#endif /* __wasm__ */
