// The FFT node's exact 2D transform (nodes/fft/simd/fft2.c) built for x86-64 with AVX-512 F and
// DQ: four complex doubles per 512-bit vector where the AVX2 build holds two. This file alone is
// compiled with -mavx512f -mavx512dq (binding.gyp, target fft2_avx512, on Linux x86-64;
// elsewhere it compiles to nothing); fft2.cc calls it only on a CPU that has both, and not when
// PATCHBAY_FFT_ISA=avx2 asks for the AVX2 build.
#include "fft2-builds.h"

#if defined(__x86_64__) && defined(__AVX512F__) && defined(__AVX512DQ__)
#define FFT2_NAMESPACE patchbay_fft2_avx512
#define FFT2_ENTRY rfft2Avx512
#include "fft2-build.inc"
#endif
