// Times a caretaker's first sync in the real app and prints the timings as one JSON line on
// stdout; `cargo xtask bench sync` starts it against a server it has filled with
// `ingest_bench --seed`. Not a *.test.mjs file: the browser tests do not pick it up.
//
//   node sync_bench.mjs URL RUNS EVENTS ORDERS
//
// Each run is a new tablet: a fresh browser profile (an empty IndexedDB, on disk as on a real
// device), /field loaded, the login form filled in; then the clock runs from the click on 登录
// (so the login round trip counts) until the sync badge says all EVENTS are on the device,
// nothing waits to be sent, no sync is under way, ORDERS orders are listed, and the browser
// has drawn that frame. The times are taken inside the page, so playwright's polling adds
// nothing. Exits non-zero, with the reason on stderr, on any error or after LIMIT_MS.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const PASSWORD = 'anju-demo-2026';
const USER = 'guanjia1';
// One run is meant to take about a second; the browser starts, the wasm compiles, the
// database fills: generous, yet a page that never gets there must not hang xtask.
const RUN_LIMIT_MS = 60_000;
const LIMIT_MS = 10 * 60_000;

const [url, ...rest] = process.argv.slice(2);
const [runs, events, orders] = rest.map(Number);
if (!url || rest.length !== 3 || ![runs, events, orders].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: node sync_bench.mjs URL RUNS EVENTS ORDERS');
  process.exit(2);
}

const watchdog = setTimeout(() => {
  console.error(`not done within ${LIMIT_MS / 1000} s`);
  process.exit(3);
}, LIMIT_MS);

/** One run in a new profile: the milliseconds from the login click to the synced list. */
async function run(n) {
  const profile = await mkdtemp(join(tmpdir(), 'anju-sync-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    baseURL: url,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  try {
    context.setDefaultTimeout(RUN_LIMIT_MS);
    const page = context.pages()[0] ?? (await context.newPage());
    // Before the login a new tablet's `GET /api/me` is refused (401), as it should be: only
    // what goes wrong after the click is worth a line.
    let clicked = false;
    page.on('console', (message) => {
      if (clicked && message.type() === 'error') {
        console.error(`run ${n}: console error: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => console.error(`run ${n}: page error: ${error.message}`));
    await page.goto('/field');
    await page.getByLabel('用户名').fill(USER);
    await page.getByLabel('密码').fill(PASSWORD);
    const login = page.getByRole('button', { name: '登录' });
    await login.waitFor();

    // Armed before the click, so no change is missed; started by the click itself.
    await page.evaluate(
      ({ events, orders, limit }) => {
        window.__syncBench = new Promise((resolve, reject) => {
          let started = null;
          addEventListener('click', () => (started ??= performance.now()), { capture: true });
          const done = () => {
            const badge = document.querySelector('[data-testid=sync-state]');
            if (started === null || !badge) return false;
            if (!badge.hasAttribute('data-events')) {
              reject(new Error('the sync badge has no data-events: dist/ predates it, run `cargo xtask dist`'));
              return true;
            }
            return (
              badge.dataset.events === String(events) &&
              badge.dataset.pending === '0' &&
              badge.dataset.online === 'true' &&
              /上次同步 \d\d:\d\d:\d\d/.test(badge.textContent) &&
              !badge.textContent.includes('同步中') &&
              document.querySelectorAll('[data-testid=field-order]').length === orders
            );
          };
          const observer = new MutationObserver(() => {
            if (!done()) return;
            observer.disconnect();
            // The list is in the DOM; the frame that shows it is painted before the next
            // animation frame's task runs.
            requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
          });
          observer.observe(document.body, {
            subtree: true,
            childList: true,
            attributes: true,
            characterData: true,
          });
          setTimeout(() => {
            const badge = document.querySelector('[data-testid=sync-state]');
            const shown = document.querySelectorAll('[data-testid=field-order]').length;
            reject(
              new Error(
                `not synced after ${limit / 1000} s: badge ${badge?.outerHTML ?? 'missing'}, ${shown} orders listed`,
              ),
            );
          }, limit);
        });
      },
      { events, orders, limit: RUN_LIMIT_MS },
    );
    clicked = true;
    await login.click();
    const ms = await page.evaluate(() => window.__syncBench);

    // Not timed: the device database really holds every event (the badge counts the
    // engine's copy, which is filled only after each IndexedDB transaction committed).
    const stored = await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open('anju');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const count = open.result.transaction('events').objectStore('events').count();
            count.onerror = () => reject(count.error);
            count.onsuccess = () => resolve(count.result);
          };
        }),
    );
    if (stored !== events) throw new Error(`run ${n}: IndexedDB holds ${stored} events, not ${events}`);
    console.error(`run ${n}: ${ms.toFixed(0)} ms`);
    return ms;
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

try {
  const times = [];
  for (let n = 1; n <= runs; n += 1) times.push(await run(n));
  const sorted = [...times].sort((a, b) => a - b);
  const round = (ms) => Math.round(ms * 10) / 10;
  console.log(
    JSON.stringify({
      events,
      orders,
      runs_ms: times.map(round),
      median_ms: round(sorted[Math.floor(sorted.length / 2)]),
      min_ms: round(sorted[0]),
      max_ms: round(sorted[sorted.length - 1]),
    }),
  );
} finally {
  clearTimeout(watchdog);
}
