// Runs the rule engine compiled to wasm (bench-wasm/) in headless Chromium and prints its
// answer as one JSON line on stdout; `cargo xtask bench` and `cargo xtask test wasm-diff`
// start it and read that line. Not a *.test.mjs file: the browser tests do not pick it up.
//
//   node wasm_bench.mjs URL bench SEED ORDERS RUNS   timings of testkit::run and the digest
//   node wasm_bench.mjs URL digest SEED ORDERS       the digest only
//   node wasm_bench.mjs URL plan SEED HOUSEHOLDS RUNS timings of proposing a monthly visit plan
//
// URL serves index.html, anju_bench_wasm.js and anju_bench_wasm_bg.wasm (xtask's static
// server). Exits non-zero, with the reason on stderr, on any error or after LIMIT_MS.

import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

// 100,000 orders run 7 times take seconds; a page that never answers must not hang xtask.
const LIMIT_MS = 5 * 60_000;

const [url, mode, ...rest] = process.argv.slice(2);
if (!url || !['bench', 'digest', 'plan'].includes(mode)) {
  console.error('usage: node wasm_bench.mjs URL bench SEED ORDERS RUNS | URL digest SEED ORDERS | URL plan SEED HOUSEHOLDS RUNS');
  process.exit(2);
}
const numbers = rest.map(Number);
if (numbers.some((n) => !Number.isInteger(n) || n < 0)) {
  console.error(`not whole numbers: ${rest.join(' ')}`);
  process.exit(2);
}

const watchdog = setTimeout(() => {
  console.error(`no answer from the page within ${LIMIT_MS / 1000} s`);
  process.exit(3);
}, LIMIT_MS);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
  const answer = await page.evaluate(
    async ({ mode, numbers }) => {
      const harness = await import('/anju_bench_wasm.js');
      await harness.default();
      if (mode === 'plan') return harness.plan(...numbers);
      return mode === 'bench' ? harness.bench(...numbers) : harness.digest(...numbers);
    },
    { mode, numbers },
  );
  console.log(answer);
} finally {
  clearTimeout(watchdog);
  await browser.close();
}
