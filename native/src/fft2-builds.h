#pragma once

namespace patchbay {
// rfft2 of nodes/fft/simd/fft2.c, AVX2 + FMA build: only on a CPU that has both (fft2.cc checks).
void rfft2Avx2(const void* x, int dtype, int h, int w, const int* planW, const int* planH, double* half, double* a,
               double* b, double* out, int mode, int shift, int nc);
// The same, AVX-512 F + DQ build (native/src/fft2-avx512.cc): only on a CPU that has both.
void rfft2Avx512(const void* x, int dtype, int h, int w, const int* planW, const int* planH, double* half, double* a,
                 double* b, double* out, int mode, int shift, int nc);
}  // namespace patchbay
