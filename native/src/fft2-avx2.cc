// The FFT node's exact 2D transform (nodes/fft/simd/fft2.c) built for x86-64 with AVX2 and FMA:
// two complex doubles per 256-bit vector where the WebAssembly build holds one. This file alone
// is compiled with -mavx2 -mfma (binding.gyp, target fft2_avx2, on Linux x86-64; elsewhere it
// compiles to nothing and the addon has no native FFT); fft2.cc calls it only on a CPU that
// has both.
#include "fft2-avx2.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
// Included here, outside the namespace fft2.c is wrapped in (fft2.c includes it again: a no-op).
#include <immintrin.h>

namespace patchbay_fft2 {
extern "C++" {
#include "../../nodes/fft/simd/fft2.c"
}
}  // namespace patchbay_fft2

namespace patchbay {

void rfft2Avx2(const void* x, int dtype, int h, int w, const int* planW, const int* planH, double* half, double* a,
               double* b, double* out, int mode, int shift, int nc) {
  patchbay_fft2::rfft2(x, dtype, h, w, planW, planH, half, a, b, out, mode, shift, nc);
}

}  // namespace patchbay

#endif
