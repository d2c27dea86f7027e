// The resident form's safety question: when the text shows a sign of danger the classifier
// is not sure of (a smell like rotten eggs, without fear of a spark), the form asks one plain
// yes/no question before sending, and "yes" makes the order urgent; a plain repair is sent
// without it. The server classifies again and takes the answer; its receipt says urgent.
// See ../lib.mjs for how to run them.

import assert from 'node:assert/strict';
import { e2eTest } from '../lib.mjs';

const REPORT_FORM = '/r/cuihu';

/** Types `text` key by key (the app classifies as the resident types), waits for the
 * suggestion (the classifier's lexicon arrives after the form is interactive), then fills
 * the place and contact fields and presses submit. */
async function describeAndSubmit(page, text, phone) {
  await page.getByLabel('问题描述').pressSequentially(text);
  await page.locator('[data-testid=suggestion]').filter({ hasText: /\S/ }).waitFor();
  await page.getByLabel('楼栋').selectOption({ index: 1 });
  await page.getByLabel('单元').selectOption({ index: 1 });
  await page.getByLabel('房号').fill('301');
  await page.getByLabel('手机号').fill(phone);
  await page.getByRole('button', { name: '提交' }).click();
}

e2eTest('a borderline text asks the safety question and "yes" makes the order urgent', async ({ open }) => {
  const page = await open(REPORT_FORM);
  await describeAndSubmit(page, `楼道里有股臭鸡蛋的味道 e2e-${Date.now()}`, '13912345671');
  const question = page.getByTestId('safety-question');
  await question.waitFor();
  assert.match(await question.innerText(), /是否有人受伤、被困/);
  // Nothing was sent yet: the question comes first.
  assert.equal(await page.getByTestId('reference').count(), 0);
  await page.getByTestId('safety-yes').click();
  await page.locator('[data-testid=reference]').filter({ hasText: /\S/ }).waitFor();
  await page.getByTestId('receipt-urgent').waitFor();
  // The lexicon came after the form's own files, not in its first load.
  const fetched = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname),
  );
  assert.ok(fetched.includes('/lexicon.json'), `the classifier's lexicon: ${fetched}`);
});

e2eTest('"no" sends the same borderline text as not urgent', async ({ open }) => {
  const page = await open(REPORT_FORM);
  await describeAndSubmit(page, `楼道里有股臭鸡蛋的味道 e2e-no-${Date.now()}`, '13912345672');
  await page.getByTestId('safety-question').waitFor();
  await page.getByTestId('safety-no').click();
  await page.locator('[data-testid=reference]').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await page.getByTestId('receipt-urgent').count(), 0);
});

e2eTest('a plain repair is sent without the safety question', async ({ open }) => {
  const page = await open(REPORT_FORM);
  await describeAndSubmit(page, `厨房水龙头一直滴水 e2e-${Date.now()}`, '13912345673');
  await page.locator('[data-testid=reference]').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await page.getByTestId('safety-question').count(), 0);
  assert.equal(await page.getByTestId('receipt-urgent').count(), 0);
});
