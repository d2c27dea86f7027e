// A project manager opens the monthly report page: last month's report of the estate is
// listed (the server's clock opened it as a draft once the month was over) with its due
// date, a row opens that month's report; then the weekly complaint, order and
// rectification report opens on last week and on a week picked, and its workbook downloads.
// See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest, login } from '../lib.mjs';

const DAY = 86_400_000;

/** The estate's date (Asia/Shanghai, UTC+8) `daysAgo` days before today, as a UTC Date. */
function beijing(daysAgo = 0) {
  return new Date(Date.now() + 8 * 3_600_000 - daysAgo * DAY);
}

/** `YYYY-MM` of the month `back` months before the one of `d` (read in UTC). */
function monthBefore(d, back) {
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1));
  return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The ISO week of `d` (read in UTC), `YYYY-Www`. */
function isoWeek(d) {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - weekday);
  const first = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - first) / DAY + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

e2eTest('a manager sees last month\'s report listed, opens it, and opens a weekly report', async ({ open }) => {
  const page = await open('/manage/report');
  await login(page, 'pm');
  const today = beijing();
  const last = monthBefore(today, 1);
  const before = monthBefore(today, 2);

  // Last month is listed for the estate, opened as a draft by the server's clock, due the 5th.
  const row = page.locator(`[data-testid=report-row][data-month="${last}"][data-id=est-cuihu]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'draft');
  const due = `${monthBefore(today, 0)}-05`;
  assert.match(await row.innerText(), new RegExp(`${due}`));
  assert.match(await row.innerText(), /草稿/);
  if (today.getUTCDate() > 5) assert.match(await row.innerText(), /已逾期/);

  // A row opens its month's report below the list.
  await page.locator(`[data-testid=report-row][data-month="${before}"][data-id=est-cuihu]`)
    .getByRole('button', { name: before }).click();
  await page.locator('[data-testid=report-title]').filter({ hasText: before }).waitFor();
  await row.getByRole('button', { name: last }).click();
  const title = page.locator('[data-testid=report-title]').filter({ hasText: last });
  await title.waitFor();
  assert.match(await title.innerText(), /翠湖/);
  await page.locator('[data-testid=report-measure]').first().waitFor();

  // The weekly report: last week by default, another week when picked.
  await page.getByRole('link', { name: '周报' }).click();
  const lastWeek = isoWeek(beijing(7));
  await page.locator('[data-testid=weekly-title]').filter({ hasText: lastWeek }).waitFor();
  const categories = page.locator('[data-testid=weekly-categories] tr');
  assert.equal(await categories.count(), 14, 'the 14 categories of C-1');
  const picked = isoWeek(beijing(21));
  await page.getByTestId('report-week').fill(picked);
  await page.locator('[data-testid=weekly-title]').filter({ hasText: picked }).waitFor();
  await page.locator('[data-testid=weekly-reopened]').waitFor();

  // Its workbook, through the page's own session.
  const href = await page.getByTestId('weekly-xlsx').getAttribute('href');
  assert.match(href, new RegExp(`week=${picked}`));
  const resp = await page.request.get(href);
  assert.equal(resp.status(), 200);
  assert.match(resp.headers()['content-type'], /spreadsheetml/);
  const bytes = await resp.body();
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'a zip: an XLSX workbook');
});
