// The manager's visit-coverage site map on /manage: a caretaker records a visit on their
// tablet (another browser), and once it has synced the manager's map shades the building
// and colours the household's cell by how it was visited; filters narrow what counts; the
// map is drawn from what the manager's device keeps, so it stays readable offline. A
// screenshot of the map is kept in e2e/screenshots/. Today's patrol checkpoints lie over the
// buildings they stand in, due until a caretaker's scan is synced. See ../lib.mjs for how to
// run these.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BASE_URL, e2eTest, login, staffSession, synced } from '../lib.mjs';

async function api(session, method, path, body) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie: session.cookie },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));

/** The building drawn for `number` on the map. */
const building = (page, number) => page.locator(`[data-testid=building][data-building="${number}"]`);

e2eTest('a visit recorded on a tablet shades its building and colours its cell on the manager\'s map; filters narrow it', async ({ open }) => {
  const manage = await open('/manage');
  await login(manage, 'pm');
  await manage.locator('[data-testid=sitemap]').waitFor();
  await synced(manage);
  // Only what 陈芳 did outdoors counts: no other test visits that way, so the last building
  // starts untouched whatever ran before.
  await manage.getByLabel('管家').selectOption({ label: '陈芳 · 管家' });
  await manage.getByLabel('方式').selectOption('outdoor');
  const last = building(manage, 12);
  await last.waitFor();
  assert.equal(await last.getAttribute('data-band'), 'zero');
  assert.match(await last.getAttribute('aria-label'), /^12栋:已走访 0 \/ 112 户/);

  // The building opens as a unit × floor grid, by keyboard as well as by touch.
  await last.focus();
  await manage.keyboard.press('Enter');
  const grid = manage.locator('[data-testid=building-grid]');
  const cell = grid.locator('[data-testid=cell][data-room="704"]').last();
  await cell.waitFor();
  assert.equal(await cell.getAttribute('data-status'), 'not_yet');
  const box = await cell.boundingBox();
  assert.ok(box.width >= 44 && box.height >= 44, `a cell is a fingertip: ${box.width}×${box.height}`);

  // On the caretaker's tablet: 12栋 4单元 704, met outdoors.
  const field = await open('/field');
  await login(field, 'guanjia2');
  await synced(field);
  await field.getByRole('link', { name: '登记走访' }).click();
  await field.getByLabel('楼栋').selectOption({ label: '12栋' });
  await field.getByLabel('单元').selectOption({ label: '4单元' });
  const room = await field.locator('#visit-room option').filter({ hasText: /^704/ }).getAttribute('value');
  await field.getByLabel('房号').selectOption(room);
  await field.getByLabel('户外').check();
  const tag = `e2e-${Date.now()}`;
  await field.getByLabel('备注(选填)').fill(`楼下偶遇 ${tag}`);
  await field.getByRole('button', { name: '登记走访' }).click();
  await field.locator('[data-testid=field-visit]').filter({ hasText: tag }).waitFor();
  await synced(field);

  // The manager's device pulls it: the building is no longer untouched, the cell is green.
  await manage.getByRole('button', { name: '立即同步' }).click();
  await manage.locator('[data-testid=building][data-building="12"][data-band=low]').waitFor();
  assert.match(await last.getAttribute('aria-label'), /^12栋:已走访 1 \/ 112 户/);
  await grid.locator('[data-testid=cell][data-room="704"][data-status=outdoor]').last().waitFor();

  // The household's history names the visit and who made it.
  await grid.locator('[data-testid=cell][data-room="704"]').last().click();
  const household = manage.locator('[data-testid=household]');
  await household.locator('[data-testid=household-visit]').filter({ hasText: tag }).waitFor();
  assert.match(await household.innerText(), /陈芳/);

  await mkdir(SCREENSHOTS, { recursive: true });
  await manage.screenshot({ path: `${SCREENSHOTS}manage-sitemap.png`, fullPage: true });

  // By phone, it was not: the filter takes the visit out again.
  await manage.getByLabel('方式').selectOption('phone');
  await manage.locator('[data-testid=building][data-building="12"][data-band=zero]').waitFor();
  await grid.locator('[data-testid=cell][data-room="704"][data-status=not_yet]').last().waitFor();
  // Only the other tier of customers: the household is left out of the counts.
  await manage.getByLabel('方式').selectOption('outdoor');
  const important = (await cell.getAttribute('aria-label')).includes('★');
  await manage.locator('[data-testid=filter-tier]').selectOption(important ? 'ordinary' : 'important');
  await grid.locator('[data-testid=cell][data-room="704"][data-status=filtered]').last().waitFor();

  // Offline, the map is still drawn from what the device keeps.
  await manage.locator('[data-testid=filter-tier]').selectOption('');
  await manage.context().setOffline(true);
  await manage.reload();
  await manage.locator('[data-testid=sitemap]').waitFor();
  await building(manage, 12).waitFor();
  assert.match(await building(manage, 12).getAttribute('aria-label'), /^12栋:已走访 \d+ \/ 112 户/);
  await manage.context().setOffline(false);
});

e2eTest('today\'s patrol checkpoints lie over their buildings on the manager\'s map, due until a scan is synced', async ({ open }) => {
  const tag = `e2e${Date.now()}`;
  const estate = 'est-cuihu';
  const pm = await staffSession('pm');
  const caretaker = await staffSession('guanjia2');
  const site = await api(pm, 'GET', `/api/estates/${estate}/site`);
  const b11 = site.json.buildings.find((b) => b.number === 11);
  const inside = `cp-in-${tag}`;
  const outside = `cp-out-${tag}`;
  let r = await api(pm, 'PUT', `/api/estates/${estate}/patrols/checkpoints/${inside}`, {
    name: `11栋大堂 ${tag}`, building_id: b11.id,
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  r = await api(pm, 'PUT', `/api/estates/${estate}/patrols/checkpoints/${outside}`, {
    name: `东门岗亭 ${tag}`, place: '东门',
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  r = await api(pm, 'PUT', `/api/estates/${estate}/patrols/routes/route-${tag}`, {
    name: `日巡 ${tag}`, checkpoints: [inside, outside], caretakers: [caretaker.me.id],
    earliest: '00:00', latest: '23:59',
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));

  const manage = await open('/manage');
  await login(manage, 'pm');
  await manage.locator('[data-testid=sitemap]').waitFor();
  await synced(manage);
  const row = (id) => manage.locator('[data-testid=patrol-row]').filter({ hasText: id });
  await row(`11栋大堂 ${tag}`).and(manage.locator('[data-status=due]')).waitFor();
  assert.match(await row(`东门岗亭 ${tag}`).innerText(), /东门 · 待巡/);
  await building(manage, 11).locator('[data-testid=patrol-mark][data-status=due]').first().waitFor();
  assert.match(await building(manage, 11).getAttribute('aria-label'), /巡查点 .*待巡/);

  // The caretaker's tablet starts today's round and picks the lobby by hand (the weaker proof).
  const local = new Date(Date.now() + 8 * 3600_000).toISOString();
  const day = local.slice(0, 10);
  const round = `route-${tag}@${day.replaceAll('-', '')}`;
  const at = local.replace('Z', '+08:00');
  const event = (seq, body) => ({
    id: crypto.randomUUID(), subject: { kind: 'round', id: round }, device_id: `map-${tag}`,
    device_seq: seq, hlc: `${String(Date.now()).padStart(15, '0')}-0000${seq}`,
    actor: caretaker.me.id, at, body,
  });
  r = await api(caretaker, 'POST', '/api/sync', {
    device_id: `map-${tag}`, estate_id: estate, cursor: 0, limit: 1,
    push: [
      event(1, {
        type: 'round', step: 'started', route_id: `route-${tag}`, route_name: `日巡 ${tag}`, day,
        earliest: '00:00', latest: '23:59',
        checkpoints: [
          { id: inside, name: `11栋大堂 ${tag}`, building_id: b11.id },
          { id: outside, name: `东门岗亭 ${tag}`, place: '东门' },
        ],
      }),
      event(2, { type: 'round', step: 'scanned', checkpoint_id: inside, proof: 'manual' }),
    ],
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.acks.length, 2);
  for (const ack of r.json.acks) assert.equal(ack.outcome.reason, undefined, JSON.stringify(ack));

  // Synced to the manager's device: the lobby is scanned (doubtful: picked by hand), the gate
  // still due; the overlay goes when it is switched off.
  await manage.getByRole('button', { name: '立即同步' }).click();
  await row(`11栋大堂 ${tag}`).and(manage.locator('[data-status=doubtful]')).waitFor();
  assert.match(await row(`11栋大堂 ${tag}`).innerText(), /存疑/);
  assert.match(await row(`东门岗亭 ${tag}`).innerText(), /待巡/);
  await building(manage, 11).locator('[data-testid=patrol-mark][data-status=doubtful]').first().waitFor();
  await manage.getByTestId('show-patrols').uncheck();
  await manage.getByTestId('patrol-overlay').waitFor({ state: 'detached' });
  assert.equal(await manage.locator('[data-testid=patrol-mark]').count(), 0);
});
