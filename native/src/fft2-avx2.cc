// The FFT node's exact 2D transform (nodes/fft/simd/fft2.c) built for x86-64 with AVX2 and FMA:
// two complex doubles per 256-bit vector where the WebAssembly build holds one. This file alone
// is compiled with -mavx2 -mfma (binding.gyp, target fft2_avx2, on Linux x86-64; elsewhere it
// compiles to nothing and the addon has no native FFT); fft2.cc calls it only on a CPU that
// has both.
#include "fft2-builds.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#define FFT2_NAMESPACE patchbay_fft2
#define FFT2_ENTRY rfft2Avx2
#include "fft2-build.inc"
#endif
