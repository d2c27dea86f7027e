// The server keeps time (issue #12): an order left undone climbs the ladder by itself, and the
// person a step names sees it arrive in the bell of an open page — and still after an offline
// reload, from what the tablet holds. The e2e server's clock passes every second.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BASE_URL, e2eTest, login, staffSession, synced } from '../lib.mjs';

/** A repair taken by phone three days ago at 10:00 (Beijing time), pushed by the desk's
 * device as a tablet that was offline would: nobody has worked it since. */
async function oldReport(text) {
  const { cookie, me } = await staffSession('desk');
  const day = new Date(Date.now() - 3 * 24 * 3600 * 1000);
  const ymd = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(day);
  const at = `${ymd}T10:00:00+08:00`;
  const ms = Date.parse(at);
  const device = `e2e-clock-${randomUUID()}`;
  const order = randomUUID();
  const response = await fetch(`${BASE_URL}/api/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie },
    body: JSON.stringify({
      device_id: device,
      estate_id: me.estates[0].id,
      cursor: 0,
      limit: 1,
      push: [{
        id: randomUUID(), order_id: order, device_id: device, device_seq: 1,
        hlc: `${String(ms).padStart(15, '0')}-00000`, actor: me.id, at,
        body: {
          type: 'reported', text, channel: 'phone', category: 'repair', suggested: 'repair',
          urgent: false, building_id: '', unit_id: '', location: '', phone_masked: '',
        },
      }],
    }),
  });
  const answer = await response.json();
  assert.equal(answer.acks[0].outcome.outcome, 'stored', JSON.stringify(answer));
  return order;
}

e2eTest('an escalation recorded by the server reaches the supervisor\'s bell, and stays offline', async ({ open }) => {
  const page = await open('/desk');
  await login(page, 'cs');
  await synced(page);
  const bell = page.getByTestId('bell');
  await bell.waitFor();
  const before = Number(await bell.getAttribute('data-unread'));

  const text = `地下室排水泵不转 e2e-${Date.now()}`;
  const order = await oldReport(text);
  // The server's next pass records the steps; the page's next sync brings them.
  await page.waitForTimeout(1500);
  await page.getByRole('button', { name: '立即同步' }).click();
  await synced(page);
  await page.locator(`[data-testid=bell][data-unread="${before + 1}"]`).waitFor();
  assert.match(await bell.getAttribute('aria-label'), /未读/);

  await bell.click();
  const notice = page.getByTestId('notice').filter({ hasText: '升级到我' }).filter({ hasText: '客服主管' });
  await notice.waitFor();
  // Offline after a reload: the same list, from the device.
  await page.context().setOffline(true);
  await page.reload();
  await page.locator(`[data-testid=bell][data-unread="${before + 1}"]`).waitFor();
  await page.getByTestId('bell').click();
  await page.getByTestId('notice').filter({ hasText: '客服主管' }).getByRole('link').click();
  await page.waitForURL(new RegExp(`/desk/orders/${order}$`));
  await page.locator(`[data-testid=bell][data-unread="${before}"]`).waitFor();
  await page.context().setOffline(false);
});
