// Complaints graded and grouped, a major customer event's special report and the supervisors'
// view (issue #16): three households complaining about one leak make a hotspot whose reasons
// the desk reads in words, on the list and on the order, with the three linked as a group; a
// media report makes the first major, with its 24-hour unified response and a special report
// that is refused while a part is missing, saved, and printed on A4 with its timeline; the
// customer-service supervisor's own view lists the complaints by severity, each with the
// action it needs; on a laptop the list and the open order sit side by side.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BASE_URL, e2eTest, login, staffSession, synced } from '../lib.mjs';

/** Pushes events as the desk's tablet would: `[order, minutesAgo, body]` each. */
async function push(events) {
  const { cookie, me } = await staffSession('desk');
  const device = `e2e-complaints-${randomUUID()}`;
  const response = await fetch(`${BASE_URL}/api/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie },
    body: JSON.stringify({
      device_id: device,
      estate_id: me.estates[0].id,
      cursor: 0,
      limit: 1,
      push: events.map(([order, minutesAgo, body], i) => {
        const ms = Date.now() - minutesAgo * 60_000;
        const at = new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
        return {
          id: randomUUID(), order_id: order, device_id: device, device_seq: i + 1,
          hlc: `${String(ms).padStart(15, '0')}-${String(i).padStart(5, '0')}`, actor: me.id, at, body,
        };
      }),
    }),
  });
  const answer = await response.json();
  for (const ack of answer.acks) assert.equal(ack.outcome.outcome, 'stored', JSON.stringify(answer));
}

function complaint(text, place) {
  return {
    type: 'reported', text, channel: 'phone', category: 'complaint', suggested: 'complaint',
    urgent: false, topic: 'water_leak', place, building_id: '', unit_id: '', location: `${place} 楼道`,
    phone_masked: '',
  };
}

e2eTest('three households about one leak are a hotspot in words and a group; a media report makes a major customer event with its special report', async ({ open }) => {
  // A building number of its own, so no other test's complaints join this issue.
  const number = 100 + (Date.now() % 800);
  const place = `B${number}`;
  const tag = `e2e-${Date.now()}`;
  const texts = [`楼道天花漏水 ${tag}-1`, `楼道又在漏水 ${tag}-2`, `楼道漏水没人管 ${tag}-3`];
  const orders = texts.map(() => randomUUID());
  await push([
    [orders[0], 90, complaint(texts[0], place)],
    [orders[1], 60, complaint(texts[1], place)],
    [orders[2], 30, complaint(texts[2], place)],
    [orders[0], 20, { type: 'assessed', flags: ['media'] }],
  ]);

  const page = await open('/desk');
  await login(page, 'cs');
  await synced(page);
  // The list: the second complaint is a hotspot, with why.
  const row = page.locator('[data-testid=order-row]').filter({ hasText: texts[1] });
  await row.locator('[data-testid=row-grade]').filter({ hasText: `热点:3 户 · ${number}栋 · 漏水渗水 · 30 天内` }).waitFor();
  await page.locator('[data-testid=order-row]').filter({ hasText: texts[0] })
    .locator('[data-testid=row-grade]').filter({ hasText: '重大:媒体曝光' }).waitFor();

  // The order: its grade in words and the group of three, each one a link.
  await row.getByRole('link', { name: /^处理/ }).click();
  const panel = page.getByTestId('complaint-panel');
  await panel.getByTestId('complaint-grade').filter({ hasText: '热点:3 户' }).waitFor();
  const group = panel.getByTestId('group-order');
  assert.equal(await group.count(), 3);
  assert.equal(await panel.locator('[data-testid=group-order] a[aria-current=page]').count(), 1);
  // No special report for a plain hotspot: no C-6 trigger.
  assert.equal(await page.getByTestId('special-report').count(), 0);

  // The first of the group: major by the media report, with its 24-hour unified response.
  await group.first().getByRole('link').click();
  await page.waitForURL(`**/desk/orders/${orders[0]}`);
  await panel.getByTestId('complaint-grade').filter({ hasText: '重大:媒体曝光' }).waitFor();
  await panel.getByTestId('countdown-unified-response').filter({ hasText: /重大投诉统一答复 剩 2[23] 小时/ }).waitFor();

  // The special report: triggered by the media report; a missing part is named, then saved.
  const report = page.getByTestId('special-report');
  await report.getByTestId('special-triggers').filter({ hasText: '媒体负面报道' }).waitFor();
  await report.getByRole('button', { name: '保存专项报告' }).click();
  await report.getByTestId('special-error').filter({ hasText: '事件描述:必填' }).waitFor();
  const parts = {
    事件描述: `${number}栋楼道漏水被电视台报道 ${tag}`,
    原因分析: '屋面防水层老化',
    责任认定: '工程部巡检遗漏',
    纠正措施: '三日内修复屋面并逐户回访',
    预防措施: '雨季前检查屋面防水',
    涉及人员: '工程部主管、客服主管、三户业主',
  };
  for (const [label, value] of Object.entries(parts)) await report.getByLabel(label).fill(value);
  await report.getByRole('button', { name: '保存专项报告' }).click();
  await report.getByTestId('special-status').filter({ hasText: '已保存' }).waitFor();
  assert.equal(await report.getByTestId('special-error').textContent(), '');

  // Printed on A4: the parts and the timeline drawn from the order's events.
  await report.getByTestId('special-print-link').click();
  await page.waitForURL(`**/desk/orders/${orders[0]}/special-report`);
  const print = page.getByTestId('special-print');
  await print.filter({ hasText: parts['原因分析'] }).waitFor();
  await print.filter({ hasText: parts['涉及人员'] }).waitFor();
  const steps = await print.getByTestId('special-timeline').locator('li').allTextContents();
  assert.ok(steps[0].endsWith('报事') && steps.some((s) => s.endsWith('认定')), steps.join(' | '));
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.desk-bar').isVisible(), false, 'the bars stay off the paper');
  await page.emulateMedia({ media: 'screen' });

  // The supervisor's own view: complaints by severity, each with the action it needs — the
  // major one's unified response — listed before the hotspots.
  await page.getByRole('link', { name: '督办' }).click();
  const complaints = page.getByTestId('sup-complaints');
  const major = complaints.locator('[data-testid=sup-row]').filter({ hasText: texts[0] });
  await major.getByTestId('sup-action').filter({ hasText: '统一答复' }).waitFor();
  const listed = await complaints.locator('[data-testid=sup-row]').allTextContents();
  const at = (t) => listed.findIndex((r) => r.includes(t));
  assert.ok(at(texts[0]) >= 0 && at(texts[0]) < at(texts[1]) && at(texts[0]) < at(texts[2]), listed.join(' | '));
  const hotspot = complaints.locator('[data-testid=sup-row]').filter({ hasText: texts[2] });
  await hotspot.getByTestId('sup-grade').filter({ hasText: '热点' }).waitFor();
  await hotspot.getByTestId('sup-group').waitFor();
  await page.getByTestId('severity-strip').waitFor();
  await hotspot.getByTestId('sup-action').click();
  await page.waitForURL(`**/desk/orders/${orders[2]}`);
});

e2eTest('the desk filters by channel, deadline and level, and a laptop shows the list beside the open order', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const byPhone = randomUUID();
  const byLetter = randomUUID();
  await push([
    [byPhone, 5, { ...complaint(`来电投诉噪音 ${tag}`, 'B1'), topic: 'noise' }],
    [byLetter, 5, { ...complaint(`来信投诉噪音 ${tag}`, 'B1'), topic: 'noise', channel: 'letter' }],
  ]);
  const page = await open('/desk');
  await page.setViewportSize({ width: 1600, height: 1000 });
  await login(page, 'desk');
  await synced(page);
  await page.getByLabel('搜索', { exact: false }).fill(tag);
  const rows = page.locator('[data-testid=order-row]');
  await rows.filter({ hasText: `来信投诉噪音 ${tag}` }).waitFor();
  assert.equal(await rows.count(), 2);
  await page.getByLabel('渠道').selectOption('letter');
  await rows.filter({ hasText: `来电投诉噪音 ${tag}` }).waitFor({ state: 'detached' });
  assert.equal(await rows.count(), 1);
  // Nothing of these is escalated yet, nor overdue (reported five minutes ago).
  await page.getByLabel('升级级别').selectOption('cs_supervisor');
  await rows.first().waitFor({ state: 'detached' });
  await page.getByLabel('升级级别').selectOption('');
  await page.getByLabel('时限').selectOption('overdue');
  await rows.first().waitFor({ state: 'detached' });
  await page.getByLabel('时限').selectOption('');
  await rows.first().waitFor();

  // Side by side: the list stays while the order is open.
  await rows.first().getByRole('link', { name: /^处理/ }).click();
  await page.waitForURL(`**/desk/orders/${byLetter}`);
  await page.locator('.split-order [data-testid=field-order-detail]').filter({ hasText: `来信投诉噪音 ${tag}` }).waitFor();
  assert.equal(await page.locator('.split-list [data-testid=order-row]').count(), 1);
});
