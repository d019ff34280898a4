{
  "targets": [
    {
      "target_name": "naslung_native",
      "sources": ["src/addon.cc", "src/conv.cc", "src/eltwise.cc", "src/reduce.cc", "src/copy.cc", "src/bn.cc", "src/attention.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fopenmp", "-fexceptions"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
