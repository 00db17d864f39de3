#!/bin/sh
# Rebuilds fft2.wasm from fft2.c. Needs clang and wasm-ld (LLVM 14 or later; Debian:
# apt-get install clang lld). The .wasm is committed, so installing and running patchbay
# never needs a compiler.
set -e
cd "$(dirname "$0")"
CLANG=${CLANG:-$(command -v clang || command -v clang-14)}
"$CLANG" --target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding \
  -Wl,--no-entry -Wl,--export=rfft2 -Wl,--export=rfft2f -Wl,--export=fft_batch -Wl,--export=__heap_base \
  -Wl,--strip-all -o fft2.wasm fft2.c
chmod -x fft2.wasm
echo "wrote $(pwd)/fft2.wasm ($(wc -c < fft2.wasm) bytes)"
