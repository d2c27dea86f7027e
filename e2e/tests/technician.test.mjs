// The technician's day on /field (issue #16): the estate's open repairs to take, accept,
// an appointment agreed with the resident (one in the past refused by the shared check, the
// agreed one the response deadline), arrival, the resident's finger signature, completion.
// See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest, login, reportOrder, signOnPad, synced } from '../lib.mjs';

e2eTest('a technician takes an open repair, agrees a time, arrives, and the resident signs for the work', async ({ open }) => {
  const text = `卫生间水龙头漏水要维修 e2e-${Date.now()}`;
  await reportOrder(text);
  const tech = await open('/field');
  await login(tech, 'tech1');
  await synced(tech);
  // Open repairs nobody has yet, to take.
  const free = tech.locator('[data-testid=tech-free]').filter({ hasText: text });
  await free.getByRole('button', { name: '接单' }).click();
  const mine = tech.locator('[data-testid=tech-mine]').filter({ hasText: text });
  await mine.waitFor();
  await mine.getByRole('link').click();
  const card = tech.locator('[data-testid=field-order-detail]').filter({ hasText: text });
  await card.locator('[data-testid=order-assignee]').filter({ hasText: '张强' }).waitFor();

  // An appointment in the past is refused by the same check as the server's, naming the field.
  const appointment = tech.getByTestId('appointment');
  await appointment.getByLabel('预约时间').fill('2026-01-05T09:00');
  await appointment.getByRole('button', { name: '保存预约' }).click();
  await tech.getByTestId('order-error').filter({ hasText: '时间:预约时间已过' }).waitFor();
  // Tomorrow at 10:00 (estate time) is the response deadline now.
  const tomorrow = new Date(Date.now() + 8 * 3_600_000 + 86_400_000).toISOString().slice(0, 10);
  await appointment.getByLabel('预约时间').fill(`${tomorrow}T10:00`);
  await appointment.getByRole('button', { name: '保存预约' }).click();
  const [, mm, dd] = tomorrow.split('-');
  await card.locator('[data-testid=countdown-response]').filter({ hasText: `${mm}-${dd} 10:00` }).waitFor();

  await tech.getByRole('button', { name: '到场' }).click();
  await card.locator('[data-testid=order-status]').filter({ hasText: '处理中' }).waitFor();
  // The resident signs with a finger on the pad. The price list above it arrives on its own
  // and pushes the pad down, so the pad is measured once the page above it has settled.
  await tech.locator('#quote-item').waitFor();
  await signOnPad(tech);
  await tech.getByTestId('confirmed').filter({ hasText: '已由业主签名确认' }).waitFor();
  await tech.getByRole('button', { name: '完工' }).click();
  await card.locator('[data-testid=order-status]').filter({ hasText: '已完工' }).waitFor();
  await synced(tech);
  await tech.getByTestId('timeline').getByText(/业主确认完工 业主签名/).waitFor();
  assert.equal(await tech.getByTestId('rejected').count(), 0, 'nothing refused by the server');
});
