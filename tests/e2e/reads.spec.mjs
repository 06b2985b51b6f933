// What a write reads again: after a write the pages read again what it may have changed, and a
// write's transaction waits for reads already running. An entry or an exit changes the logbook
// and who is inside, never the people, permits or measures, so those whole registers are not
// read again at each tap at the door; any other write (a person registered) reads them again.
import { test, expect } from '@playwright/test';
import { SATO, YAMADA, addPerson, chooseRoom, counterTown, exitButton, insideRow, recordEntry } from './helpers.mjs';

/** Counts every whole-store and index `getAll` by store (and index), from the page's start. */
function countReads(page) {
  return page.addInitScript(() => {
    window.daichoReads = {};
    const count = (name) => {
      window.daichoReads[name] = (window.daichoReads[name] || 0) + 1;
    };
    const storeGetAll = IDBObjectStore.prototype.getAll;
    IDBObjectStore.prototype.getAll = function (...args) {
      count(this.name);
      return storeGetAll.apply(this, args);
    };
    const indexGetAll = IDBIndex.prototype.getAll;
    IDBIndex.prototype.getAll = function (...args) {
      count(`${this.objectStore.name}/${this.name}`);
      return indexGetAll.apply(this, args);
    };
  });
}

const reads = (page) => page.evaluate(() => ({ ...window.daichoReads }));

/** Waits until no `getAll` has been issued for half a second: the reads after a write are done. */
async function quiet(page) {
  let before = JSON.stringify(await reads(page));
  for (;;) {
    await page.waitForTimeout(500);
    const now = JSON.stringify(await reads(page));
    if (now === before) return JSON.parse(now);
    before = now;
  }
}

test('an entry and an exit read who is inside again, not the people and permits registers', async ({ page }) => {
  await countReads(page);
  await counterTown(page, [YAMADA, SATO]);
  await chooseRoom(page, '住民窓口');
  const before = await quiet(page);
  expect(before.people).toBeGreaterThan(0);
  expect(before.permits).toBeGreaterThan(0);

  await recordEntry(page, YAMADA);
  await exitButton(page, YAMADA.name).click();
  await expect(insideRow(page, YAMADA.name)).toHaveCount(0);
  const after = await quiet(page);
  // The logbook was read again (the lines of the room, by the events' indexes)…
  const eventReads = (r) => Object.entries(r).filter(([k]) => k.startsWith('events/')).reduce((n, [, c]) => n + c, 0);
  expect(eventReads(after)).toBeGreaterThan(eventReads(before));
  // …and the people and permits registers were not.
  expect(after.people).toBe(before.people);
  expect(after.permits).toBe(before.permits);

  // A person registered is a register's write: the people the pages name are read again.
  await addPerson(page, { name: '加藤 次郎', affiliation: '住民課' });
  const added = await quiet(page);
  expect(added.people).toBeGreaterThan(after.people);
});
