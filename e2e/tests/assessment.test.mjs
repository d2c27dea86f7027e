// The desk records on an order what the rules read (issue #10): a repair's size changes its
// completion deadline at once, a person's urgent mark shows and is in the history with who.

import assert from 'node:assert/strict';
import { e2eTest, login, reportOrder, synced } from '../lib.mjs';

e2eTest('the desk sets a repair\'s size and marks it urgent; the deadline and the chip follow at once', async ({ open }) => {
  const text = `卫生间下水道堵了 e2e-${Date.now()}`;
  await reportOrder(text);
  const desk = await open('/desk');
  await login(desk, 'desk');
  await synced(desk);
  await desk.locator('[data-testid=order-row]').filter({ hasText: text }).getByRole('link', { name: '处理' }).click();
  const detail = desk.locator('[data-testid=field-order-detail]').filter({ hasText: text });
  await detail.waitFor();
  const completion = detail.getByTestId('countdown-completion');
  await completion.waitFor();
  const before = await completion.innerText();

  const assessment = desk.getByTestId('assessment');
  await assessment.locator('summary').click();
  await assessment.getByLabel('维修规模').selectOption({ label: '大修' });
  await desk.waitForFunction(
    ([sel, old]) => document.querySelector(sel)?.innerText !== old,
    ['[data-testid=field-order-detail] [data-testid=countdown-completion]', before],
  );
  assert.notEqual(await completion.innerText(), before, 'a major repair has longer to complete');

  await assessment.getByLabel(/^紧急/).check();
  await detail.locator('.chip.urgent').waitFor();
  const timeline = desk.getByTestId('timeline');
  await timeline.getByText('认定', { exact: false }).first().waitFor();
  await timeline.getByText('分类', { exact: false }).first().waitFor();
  await synced(desk);
});
