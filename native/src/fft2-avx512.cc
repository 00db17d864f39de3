// The FFT node's exact 2D transform (nodes/fft/simd/fft2.c) built for x86-64 with AVX-512 F and
// DQ: four complex doubles per 512-bit vector where the AVX2 build holds two. This file alone is
// compiled with -mavx512f -mavx512dq (binding.gyp, target fft2_avx512, on Linux x86-64;
// elsewhere it compiles to nothing); fft2.cc calls it only on a CPU that has both, and not when
// PATCHBAY_FFT_ISA=avx2 asks for the AVX2 build.
#include "fft2-avx2.h"

#if defined(__x86_64__) && defined(__AVX512F__) && defined(__AVX512DQ__)
// Included here, outside the namespace fft2.c is wrapped in (fft2.c includes it again: a no-op).
#include <immintrin.h>

namespace patchbay_fft2_avx512 {
extern "C++" {
#include "../../nodes/fft/simd/fft2.c"
}
}  // namespace patchbay_fft2_avx512

namespace patchbay {

void rfft2Avx512(const void* x, int dtype, int h, int w, const int* planW, const int* planH, double* half, double* a,
                 double* b, double* out, int mode, int shift, int nc) {
  patchbay_fft2_avx512::rfft2(x, dtype, h, w, planW, planH, half, a, b, out, mode, shift, nc);
}

}  // namespace patchbay

#endif
