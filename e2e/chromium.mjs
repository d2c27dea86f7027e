// How every browser of the project is launched: Debian's Chromium and its flags, shared by
// the browser tests (lib.mjs) and the wasm rule-engine runs (wasm_bench.mjs).

/** Debian's build: playwright's own browser download cannot work without internet. */
export const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying to reach Google's hosts,
// which this machine's closed network refuses; --no-sandbox because tests run as root.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
