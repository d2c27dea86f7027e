// Stored XSS: 120 script-injection payloads stored in every free-text field staff and
// residents can fill (report text, notes, visit notes, reopen reasons) and rendered on the
// desk and the caretaker's tablet in Chromium must never run — they show as the text typed.
// See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { BASE_URL, e2eTest, login, reportOrder, staffSession } from '../lib.mjs';

/**
 * Payloads that would call `xss(n)` if the browser ran them: HTML tags with handlers, script
 * tags, URLs, attribute and template breakouts, encodings. Each carries its number.
 */
function payloads(count) {
  const shapes = [
    (n) => `<script>xss(${n})</script>`,
    (n) => `<img src=x onerror=xss(${n})>`,
    (n) => `<svg onload=xss(${n})>`,
    (n) => `"><img src=x onerror=xss(${n})>`,
    (n) => `'><svg/onload=xss(${n})>`,
    (n) => `<iframe srcdoc="<script>parent.xss(${n})</script>">`,
    (n) => `<a href="javascript:xss(${n})">点我</a>`,
    (n) => `<body onload=xss(${n})>`,
    (n) => `<details open ontoggle=xss(${n})>`,
    (n) => `<math><mtext><table><mglyph><style><img src=x onerror=xss(${n})>`,
    (n) => `javascript:xss(${n})`,
    (n) => `{{constructor.constructor('xss(${n})')()}}`,
    (n) => `\${xss(${n})}`,
    (n) => `<scr<script>ipt>xss(${n})</scr</script>ipt>`,
    (n) => `&lt;img src=x onerror=xss(${n})&gt;`,
    (n) => `<input autofocus onfocus=xss(${n})>`,
    (n) => `<object data="javascript:xss(${n})">`,
    (n) => `<embed src="data:text/html,<script>parent.xss(${n})</script>">`,
    (n) => `<video><source onerror=xss(${n})></video>`,
    (n) => `</textarea><script>xss(${n})</script>`,
    (n) => `<style>@import 'javascript:xss(${n})';</style>`,
    (n) => `<meta http-equiv="refresh" content="0;url=javascript:xss(${n})">`,
    (n) => `<marquee onstart=xss(${n})>漏水</marquee>`,
    (n) => `<div style="background:url(javascript:xss(${n}))">`,
  ];
  return Array.from({ length: count }, (_, n) => shapes[n % shapes.length](n));
}

/** Pushes events as a device of `session`, checking every one was stored. */
async function push(session, bodies, orderId = '') {
  const device = `xss-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const base = Date.now();
  const events = bodies.map((body, i) => ({
    id: `${device}-${i}`,
    order_id: body.type === 'visited' ? '' : orderId,
    device_id: device,
    device_seq: i + 1,
    hlc: `${String(base + i).padStart(15, '0')}-00000`,
    actor: session.me.id,
    at: new Date(base + i).toISOString(),
    body,
  }));
  const response = await fetch(`${BASE_URL}/api/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie: session.cookie },
    body: JSON.stringify({ device_id: device, estate_id: session.me.estates[0].id, push: events, cursor: 0, limit: 1 }),
  });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  for (const ack of answer.acks) assert.equal(ack.outcome.outcome, 'stored', JSON.stringify(ack));
}

/** Opens `path` logged in as `user`, with `xss()` counting any payload that runs. */
async function openWatched(open, path, user) {
  const page = await open(path);
  await page.addInitScript(() => {
    window.__xss = [];
    window.xss = (n) => window.__xss.push(n);
  });
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.reload();
  await login(page, user);
  return { page, dialogs };
}

async function ran(page) {
  return page.evaluate(() => window.__xss);
}

e2eTest('120 stored XSS payloads in every free-text field never run on the desk or the tablet', async ({ open }) => {
  const all = payloads(120);
  // Report texts: the public form's field, several payloads per report (500 characters each).
  const tag = `xss-${Date.now()}`;
  const reportTexts = [];
  for (let i = 0, text = `${tag} 漏水 `; i < 12; i++) {
    text += `${all[i]} `;
    if (i % 6 === 5) { reportTexts.push(text.trim()); text = `${tag} 漏水 `; }
  }
  const receipts = [];
  for (const text of reportTexts) receipts.push(await reportOrder(text));
  const order = receipts[0].order_id;

  // Notes (every payload), a reopen reason and visit notes, recorded by staff devices.
  const desk = await staffSession('desk');
  await push(desk, all.map((text) => ({ type: 'note', text: `${tag} ${text}` })), order);
  await push(desk, [{ type: 'completed' }, { type: 'reopened', reason: all[1] }], order);
  const caretaker = await staffSession('guanjia1');
  const households = await (
    await fetch(`${BASE_URL}/api/estates/${caretaker.me.estates[0].id}/households`, { headers: { cookie: caretaker.cookie } })
  ).json();
  await push(caretaker, all.slice(0, 20).map((note, i) => ({
    type: 'visited', household_id: households[i].id, method: 'door', note: `${tag} ${note}`,
  })));

  // The desk: the inbox shows the reports and the notes.
  const { page: deskPage, dialogs: deskDialogs } = await openWatched(open, '/desk', 'desk');
  const row = deskPage.locator('[data-testid=order-row]').filter({ hasText: receipts[0].reference });
  await row.waitFor();
  await deskPage.locator('[data-testid=note]').filter({ hasText: all[119] }).first().waitFor();
  // Shown as typed: the markup is text, not elements.
  assert.ok((await row.innerText()).includes(all[1]), 'a payload shows as the text typed');
  assert.equal(await deskPage.locator('.inbox img, .inbox svg, .inbox iframe, .inbox script').count(), 0);

  // The caretaker's tablet: the order with every note, and the visits.
  const { page: fieldPage, dialogs: fieldDialogs } = await openWatched(open, '/field', 'guanjia1');
  const card = fieldPage.locator('[data-testid=field-order]').filter({ hasText: all[0] });
  await card.first().getByRole('link').click();
  await fieldPage.locator('[data-testid=note]').filter({ hasText: all[119] }).waitFor();
  assert.equal(await fieldPage.locator('[data-testid=note]').count(), 120);
  await fieldPage.getByRole('link', { name: '← 返回列表' }).click();
  await fieldPage.locator('[data-testid=field-visit]').filter({ hasText: all[19] }).waitFor();

  // Give anything deferred (onload, onerror, autofocus, timers) a moment to run.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.deepEqual(await ran(deskPage), [], 'no payload ran on the desk');
  assert.deepEqual(await ran(fieldPage), [], 'no payload ran on the tablet');
  assert.deepEqual([...deskDialogs, ...fieldDialogs], [], 'no dialog opened');
});
