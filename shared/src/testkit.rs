//! Deterministic orders for benchmarks and the native-vs-wasm differential test.
