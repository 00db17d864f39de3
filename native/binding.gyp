{
  "variables": {
    "with_aravis%": "<!(node configure.mjs aravis)",
    "with_pylon%": "<!(node configure.mjs pylon)",
    "with_hdf5%": "<!(node configure.mjs hdf5)"
  },
  "targets": [
    {
      "target_name": "patchbay_camera",
      "sources": ["src/addon.cc", "src/acquisition.cc", "src/device.cc", "src/emulator.cc", "src/file-lock.cc", "src/malloc-tuning.cc", "src/pixel-format.cc", "src/shared-map.cc", "src/fft2.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-frtti"],
      "conditions": [
        ["OS=='linux' and target_arch=='x64'", {
          "dependencies": ["fft2_avx2", "fft2_avx512"],
          "defines": ["PATCHBAY_WITH_FFT_AVX2"]
        }],
        ["with_aravis==1", {
          "defines": ["PATCHBAY_WITH_ARAVIS"],
          "libraries": ["-ldl"]
        }],
        ["with_pylon==1", {
          "sources": ["src/pylon-backend.cc"],
          "defines": ["PATCHBAY_WITH_PYLON"],
          "cflags_cc": ["<!@(node configure.mjs pylon-cflags)"],
          "ldflags": ["<!@(node configure.mjs pylon-ldflags)"],
          "libraries": ["<!@(node configure.mjs pylon-libs)"]
        }]
      ]
    },
    {
      "target_name": "fft2_avx2",
      "type": "static_library",
      "sources": ["src/fft2-avx2.cc"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fPIC"],
      "conditions": [["OS=='linux' and target_arch=='x64'", { "cflags_cc": ["-mavx2", "-mfma"] }]]
    },
    {
      "target_name": "fft2_avx512",
      "type": "static_library",
      "sources": ["src/fft2-avx512.cc"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fPIC"],
      "conditions": [["OS=='linux' and target_arch=='x64'", { "cflags_cc": ["-mavx512f", "-mavx512dq", "-mfma", "-Wno-maybe-uninitialized", "-Wno-uninitialized"] }]]
    }
  ],
  "conditions": [
    ["with_aravis==1", {
      "targets": [
        {
          "target_name": "patchbay_aravis",
          "type": "loadable_module",
          "sources": ["src/aravis-backend.cc", "src/device.cc", "src/pixel-format.cc"],
          "defines": ["PATCHBAY_ARAVIS_MODULE"],
          "cflags!": ["-fno-exceptions"],
          "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
          "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-frtti", "<!@(node configure.mjs aravis-cflags)"],
          "ldflags": ["-Wl,--no-undefined"],
          "libraries": ["<!@(node configure.mjs aravis-libs)"]
        }
      ]
    }],
    ["with_hdf5==1", {
      "targets": [
        {
          "target_name": "patchbay_hdf5",
          "sources": ["src/hdf5-file.cc"],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
          "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
          "cflags!": ["-fno-exceptions"],
          "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
          "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "<!@(node configure.mjs hdf5-cflags)"],
          "ldflags": ["-Wl,-z,nodelete"],
          "libraries": ["<!@(node configure.mjs hdf5-libs)"]
        }
      ]
    }]
  ]
}
