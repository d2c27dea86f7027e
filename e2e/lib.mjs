// Browser-test helpers: launch Debian's Chromium through playwright-core, open pages of the
// app at $ANJU_URL in fresh browser contexts, and keep a screenshot of every open page when
// a test fails.
//
// Running the tests
//   cargo xtask test e2e
//       builds dist/, starts `anju serve` on a free port with a fresh SQLite database,
//       installs Chromium and the npm packages when missing, runs tests/*.test.mjs.
//   By hand, against a server you started (`cargo xtask run` in another terminal):
//       cd e2e && npm ci && ANJU_URL=http://127.0.0.1:8080 node --test tests/
//   One test: add --test-name-pattern='front desk'.
// A failed test leaves e2e/artifacts/<test-name>.png (gitignored) and prints its path, with
// the page's console errors.
//
// Accessibility: when a test ends, every page it left open is checked with axe-core (npm,
// from node_modules) and the test fails on any serious or critical violation; a test can also
// check a state on the way with `accessibilityProblems(page)`.
//
// Writing a test
//   e2eTest('what a user does', async ({ open }) => {
//     const page = await open('/r/cuihu');   // each open() is a fresh browser context
//     await page.getByLabel('问题描述').pressSequentially('…');
//   });
// Find elements as a user would (getByRole, getByLabel) or by the data-testid the UI
// contract names. playwright-core has no expect(): wait with locator.waitFor(), which
// retries until visible, and check values with node:assert.
//
// Offline: `page.context().setOffline(true)` cuts that context (that user's tablet) off the
// network, service worker included; each open() is its own context, so other users stay
// online. `reportOrder(text)` creates an order through the public API, for tests that need
// one of their own.

import { after, test } from 'node:test';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

/** The server under test, without a trailing slash. */
export const BASE_URL = (process.env.ANJU_URL ?? '').replace(/\/+$/, '');

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));


// node's test runner has no default time limit: a page that never loads would hang the run.
const TEST_TIMEOUT_MS = 60_000;
// Each playwright wait gives up well before the test's own limit, so the failure is an
// error in the test (with a screenshot), not a time-out of the runner.
const ACTION_TIMEOUT_MS = 15_000;

// One browser per test file: node --test runs each file in its own process.
let browser;
function launchBrowser() {
  browser ??= chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  return browser;
}
after(async () => {
  if (browser) await (await browser).close();
});

/**
 * Registers a browser test with a 60 s limit. `fn` gets `{ open, t }`: `open(path)` opens
 * `path` of the app in a new browser context (a separate user: no shared cookies or
 * storage) and returns the page; `t` is node's test context.
 */
export function e2eTest(name, fn) {
  test(name, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (!BASE_URL) {
      throw new Error('ANJU_URL is not set: run `cargo xtask test e2e` (see e2e/lib.mjs)');
    }
    const contexts = [];
    const pages = [];
    const problems = [];
    const open = async (path) => {
      const context = await (await launchBrowser()).newContext({
        baseURL: BASE_URL,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
      });
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      pages.push(page);
      await page.goto(path);
      return page;
    };

    let failed = false;
    const keepEvidence = async () => {
      if (failed) return;
      failed = true;
      await saveScreenshots(name, pages);
      for (const problem of problems) console.error(`  ${problem}`);
    };
    // When the runner's own limit strikes, `fn` is still awaiting: keep the evidence, then
    // close the contexts, which ends those waits.
    const onAbort = () => keepEvidence().finally(() => closeAll(contexts));
    t.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await fn({ open, t });
      // Every page the test leaves open, in the state it left it, is checked for
      // accessibility: no serious or critical axe-core violation.
      for (const page of pages) {
        if (page.isClosed()) continue;
        const found = await accessibilityProblems(page);
        assert.deepEqual(found, [], `axe-core on ${page.url()}`);
      }
    } catch (error) {
      await keepEvidence();
      throw error;
    } finally {
      // The signal also fires when a test ends normally.
      t.signal.removeEventListener('abort', onAbort);
      await closeAll(contexts);
    }
  });
}

async function closeAll(contexts) {
  await Promise.all(contexts.map((context) => context.close().catch(() => {})));
}

/**
 * Saves the most recently opened page as artifacts/<test-name>.png and any earlier ones as
 * <test-name>.<n>.png (n counting from 1 in the order they were opened).
 */
async function saveScreenshots(testName, pages) {
  if (pages.length === 0) return;
  await mkdir(ARTIFACTS, { recursive: true });
  const base = testName.replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '');
  for (const [index, page] of pages.entries()) {
    const last = index === pages.length - 1;
    const file = `${ARTIFACTS}${base}${last ? '' : `.${index + 1}`}.png`;
    try {
      await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
      console.error(`  screenshot: ${file}`);
    } catch (error) {
      console.error(`  no screenshot of page ${index + 1}: ${error.message}`);
    }
  }
}

/**
 * Reports a problem at the demo estate 翠湖花园 through the public API, as a resident's form
 * would, and returns the receipt (`order_id`, `reference`, …). The text should be unique to
 * the test, so it can find its order; `phone` is the resident's contact.
 */
export async function reportOrder(text, phone = '13800138000', extra = {}) {
  const site = await (await fetch(`${BASE_URL}/api/public/estates/cuihu`)).json();
  const building = site.buildings[0];
  const response = await fetch(`${BASE_URL}/api/public/estates/cuihu/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1' },
    body: JSON.stringify({
      text,
      building: building.id,
      unit: building.units[0].id,
      room: '201',
      phone,
      ...extra,
    }),
  });
  if (!response.ok) {
    throw new Error(`report refused: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

/** The resident signs on the order's pad with a finger (a stroke of the mouse), and it is saved. */
export async function signOnPad(page) {
  const pad = page.getByLabel('签名区');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + 20, box.y + 30);
  await page.mouse.down();
  await page.mouse.move(box.x + 120, box.y + 90, { steps: 8 });
  await page.mouse.move(box.x + 220, box.y + 40, { steps: 8 });
  await page.mouse.up();
  await page.getByRole('button', { name: '保存签名' }).click();
}

/** The password of every demo account (the server prints it at start). */
export const PASSWORD = 'anju-demo-2026';

/** Fills the staff login form on `page` as `user` and submits it. */
export async function login(page, user) {
  await page.getByLabel('用户名').fill(user);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
}

/**
 * Gives the order open on `page` to a colleague, as the desk does: finds them by name in the
 * estate's staff, chooses them, and dispatches (or reassigns, when `button` says so).
 */
export async function assignTo(page, name, button = '派单') {
  const picker = page.getByRole('group', { name: /指派给|转派给/ });
  await picker.getByLabel('查找员工', { exact: false }).fill(name);
  await picker.getByRole('radio', { name: new RegExp(name) }).check();
  await picker.getByRole('button', { name: button }).click();
  await page.locator('[data-testid=order-assignee]').filter({ hasText: name }).waitFor();
}

/**
 * Records a callback on the order open on `page` with `score` (and, when given, whether the
 * problem is solved). Outside the estate's callback hours (D-7) the form asks for the
 * emergency's reason; tests that are not about the hours give one, so they pass at any time
 * of day.
 */
export async function callBack(page, score, solved) {
  const form = page.getByTestId('callback-form');
  await form.getByLabel('回访评分').selectOption(String(score));
  if (solved !== undefined) await form.getByRole('radio', { name: solved ? '已解决' : '未解决' }).check();
  const reason = form.getByLabel('紧急回访原因', { exact: false });
  if (await reason.count()) await reason.fill('测试:业主只在此时有空');
  await form.getByRole('button', { name: '记录回访' }).click();
}

/**
 * The next moment, from now, that the estate's clock (Asia/Shanghai, UTC+8) reads `hh:mm`:
 * at most a day ahead, so a page set to it stays within the server's tolerance for device
 * clocks.
 */
export function nextShanghai(hh, mm) {
  const day = 86_400_000;
  const offset = 8 * 3_600_000;
  const now = Date.now();
  const local = now + offset;
  let at = local - (local % day) + (hh * 60 + mm) * 60_000 - offset;
  if (at <= now) at += day;
  return at;
}

/** Waits until nothing waits to be sent (events or photos) and a sync has finished since the page loaded. */
export async function synced(page) {
  await page
    .locator('[data-testid=sync-state][data-pending="0"][data-photos="0"][data-online="true"]')
    .filter({ hasText: /上次同步 \d\d:\d\d:\d\d/ })
    .filter({ hasNotText: '同步中' })
    .waitFor();
}

/**
 * Logs in to the API as `username`, for tests that act as a device or an admin tool:
 * the session cookie to send and the `/api/me` answer.
 */
export async function staffSession(username) {
  const response = await fetch(`${BASE_URL}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login ${username}: ${response.status}`);
  const cookie = response.headers.get('set-cookie').split(';')[0];
  const me = await (await fetch(`${BASE_URL}/api/me`, { headers: { cookie } })).json();
  return { cookie, me };
}


let axeSource;

/**
 * The serious and critical axe-core violations on `page` as it is now, one line each (rule,
 * impact, what it asks, where). axe is evaluated through the DevTools protocol, which the
 * page's CSP (no inline script) does not apply to, so the app is checked as served.
 */
export async function accessibilityProblems(page) {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const { violations } = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }),
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

/** A real PNG of `width` × 1 pixels of one colour `rgb`: a photo no other test has taken. */
export function pngOf(width, rgb) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(1, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), ...Array.from({ length: width }, () => Buffer.from(rgb))]);
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'binary'),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(row)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
