#!/bin/sh
# Rebuilds fft2.wasm from fft2.c (or writes the module to the path given). Needs clang and
# wasm-ld (Debian 12: apt-get install clang lld, LLVM 14). The .wasm is committed, so installing
# and running patchbay never needs a compiler; test/unit/fft-wasm-build.test.ts checks that it
# is what this script makes of fft2.c today (with LLVM 14, whose output it compares byte for byte).
set -e
OUT=$(realpath -m "${1:-$(dirname "$0")/fft2.wasm}")
cd "$(dirname "$0")"
CLANG=${CLANG:-$(command -v clang || command -v clang-14)}
"$CLANG" --target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding \
  -Wl,--no-entry -Wl,--export=rfft2 -Wl,--export=rfft2f -Wl,--export=fft_batch -Wl,--export=__heap_base \
  -Wl,--strip-all -o "$OUT" fft2.c
chmod -x "$OUT"
echo "wrote $OUT ($(wc -c < "$OUT") bytes)"
