// Times the manager's visit-coverage site map of a 5,000-household estate in the real app and
// prints the timings as one JSON line on stdout; `cargo xtask bench sitemap` starts it against
// a server whose database `sitemap_seed` filled. Not a *.test.mjs file: the browser tests do
// not pick it up.
//
//   node sitemap_bench.mjs URL RUNS BUILDINGS HOUSEHOLDS
//
// The project manager logs in on /manage and picks 万户苑; once its site plan, households and
// visits are on the device, each run switches the map's period filter (this month ↔ the
// current round) and times, inside the page, from the change to the frame that shows every
// building re-shaded: coverage::statuses over every household, the shares per building and the
// SVG drawn again. Exits non-zero, with the reason on stderr, on any error or after LIMIT_MS.

import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const PASSWORD = 'anju-demo-2026';
const ESTATE = '万户苑';
const LIMIT_MS = 5 * 60_000;

const [url, ...rest] = process.argv.slice(2);
const [runs, buildings, households] = rest.map(Number);
if (!url || rest.length !== 3 || ![runs, buildings, households].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: node sitemap_bench.mjs URL RUNS BUILDINGS HOUSEHOLDS');
  process.exit(2);
}

const watchdog = setTimeout(() => {
  console.error(`not done within ${LIMIT_MS / 1000} s`);
  process.exit(3);
}, LIMIT_MS);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const context = await browser.newContext({ baseURL: url, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto('/manage');
  await page.getByLabel('用户名').fill('pm');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('[data-testid=estate-picker]').selectOption({ label: ESTATE });
  await page.locator('[data-testid=sync-state][data-pending="0"][data-online="true"]')
    .filter({ hasText: /上次同步 \d\d:\d\d:\d\d/ })
    .filter({ hasNotText: '同步中' })
    .waitFor();
  // The whole estate on the map: every building drawn, every household counted.
  await page.waitForFunction(
    ({ buildings, households }) => {
      const drawn = document.querySelectorAll('[data-testid=building]');
      const summary = document.querySelector('[data-testid=coverage-all]')?.textContent ?? '';
      return drawn.length === buildings && summary.includes(`/ ${households}`);
    },
    { buildings, households },
  );
  const times = [];
  for (let n = 0; n < runs; n += 1) {
    const period = n % 2 === 0 ? 'this_month' : 'round';
    const ms = await page.evaluate(
      (period) =>
        new Promise((resolve) => {
          const select = document.querySelector('[data-testid=filter-period]');
          const before = document.querySelector('[data-testid=coverage-all]').textContent;
          const started = performance.now();
          select.value = period;
          select.dispatchEvent(new Event('change', { bubbles: true }));
          // Leptos redraws on the change; the frame that shows it is painted before the next
          // animation frame's task runs.
          const wait = () => {
            const now = document.querySelector('[data-testid=coverage-all]').textContent;
            if (now === before && performance.now() - started < 5000) {
              requestAnimationFrame(wait);
              return;
            }
            requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
          };
          requestAnimationFrame(wait);
        }),
      period,
    );
    console.error(`run ${n} (${period}): ${ms.toFixed(1)} ms`);
    times.push(ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(JSON.stringify({
    median_ms: sorted[Math.floor(sorted.length / 2)],
    min_ms: sorted[0],
    max_ms: sorted[sorted.length - 1],
    runs: times.length,
  }));
} finally {
  clearTimeout(watchdog);
  await browser.close();
}
