/** The package ships no types: its default export is Emscripten's module factory. */
declare module '@echogarden/pffft-wasm/simd' {
  const factory: (options?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
