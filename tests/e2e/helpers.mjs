// Steps shared by the end-to-end tests: what a clerk does, and what the store holds.
import { expect } from '@playwright/test';

/** The first staff member, registered at the first run. */
export const ADMIN = { name: '管理 一郎', affiliation: '総務課', pin: '2468' };

/** Opens the app, signs in (registering ADMIN on a first run) and waits until it is usable. */
export async function openApp(page, url = '/#/entry-log') {
  await page.goto(url);
  await signInIfAsked(page);
  await expect(page.locator('[data-ready="true"]')).toBeVisible();
}

/** Registers a person on 職員・来訪者 (with a PIN if `who.pin` is given). */
export async function addPerson(page, who) {
  await page.getByRole('button', { name: '職員・来訪者', exact: true }).click();
  await page.fill('#person-name', who.name);
  await page.fill('#person-affiliation', who.affiliation);
  if (who.pin) await page.fill('#person-pin', who.pin);
  await page.click('#add-person');
  await expect(page.locator(`tr[data-person="${who.name}"]`)).toBeVisible();
}

/** Answers the first-run setup or the sign-in screen, if the app shows one. */
export async function signInIfAsked(page, who = ADMIN) {
  const screen = await page.waitForSelector('[data-screen], [data-ready="true"]');
  const kind = await screen.getAttribute('data-screen');
  if (kind === 'setup') {
    await page.fill('#setup-name', who.name);
    await page.fill('#setup-affiliation', who.affiliation);
    await page.fill('#setup-pin', who.pin);
    await page.fill('#setup-pin-again', who.pin);
    await page.click('#setup');
  } else if (kind === 'sign-in') {
    await signIn(page, who);
  }
}

export async function signIn(page, who = ADMIN, pin = who.pin) {
  await page.locator('.person', { hasText: who.name }).click();
  await page.fill('#pin', pin);
  await page.click('#sign-in');
}

/** The events of the device's IndexedDB, as stored. */
export async function storedEvents(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('daicho');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('events').objectStore('events').getAll();
          all.onsuccess = () => {
            db.close();
            resolve(all.result);
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

/** Waits until the service worker controls the page (the app shell is cached). */
export async function waitForServiceWorker(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

export async function chooseRoom(page, name) {
  await page.getByRole('button', { name: new RegExp(name) }).click();
  await expect(page.locator('.form-room')).toContainText(name);
}

/** Fills the entry form; `nameTag: false` leaves the 名札 box unticked. */
export async function fillEntry(page, { name, affiliation = '総務課', purpose = 'サーバ点検', nameTag = true }) {
  await page.fill('#entry-name', name);
  await page.fill('#entry-affiliation', affiliation);
  await page.fill('#entry-purpose', purpose);
  if (nameTag) await page.check('#entry-name-tag');
}

export async function recordEntry(page, person) {
  await fillEntry(page, person);
  await page.click('#record-entry');
  await expect(insideRow(page, person.name)).toBeVisible();
}

export function insideRow(page, name) {
  return page.locator('.inside-row', { hasText: name });
}

export function exitButton(page, name) {
  return page.getByRole('button', { name: `${name}さんの退室を記録` });
}

export function logRows(page) {
  return page.locator('table.logbook tbody tr');
}

/** Sets the record time to `minutes` from now (JST, as the clerk would type it). */
export async function chooseTime(page, minutes) {
  if (!(await page.locator('#record-time').isVisible())) await page.click('#choose-time');
  const value = await page.evaluate((m) => {
    const jst = new Date(Date.now() + m * 60_000 + 9 * 3600_000);
    return jst.toISOString().slice(0, 16);
  }, minutes);
  await page.fill('#record-time', value);
}

/** How many events the device's IndexedDB holds: proof that a refusal stored nothing. */
export async function eventCount(page) {
  return (await storedEvents(page)).length;
}

/** Collects every request of the page that fails or answers with an error status. */
export function watchFailures(page) {
  const failures = [];
  page.on('requestfailed', (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) failures.push(`${r.url()} ${r.status()}`);
  });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  return failures;
}
