// The tap at the door: a second tap (or Enter) while an entry is being recorded records
// nothing more, and the form shows itself busy only once a write is slow (a tap recorded
// within a frame or two draws no busy state in between: docs/performance.md).
import { test, expect } from '@playwright/test';
import { YAMADA, chooseRoom, counterTown, fillEntry, insideRow, storedEvents } from './helpers.mjs';

/** Holds the device's chain for `ms` with a write transaction of the test's own, so the app's
 *  next write waits behind it (as behind a stalled store). Resolves `window.released`. */
function holdTheStore(page, ms) {
  return page.evaluate(
    (ms) =>
      new Promise((held) => {
        window.released = new Promise((released) => {
          const open = indexedDB.open('daicho');
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction(['device'], 'readwrite');
            const device = tx.objectStore('device');
            const until = performance.now() + ms;
            // A transaction stays open while it has requests: one after another until `ms`.
            const next = () => {
              if (performance.now() < until) device.get('held').onsuccess = next;
            };
            next();
            tx.oncomplete = () => {
              db.close();
              released();
            };
            held();
          };
        });
      }),
    ms,
  );
}

const entries = async (page) =>
  (await storedEvents(page)).filter((e) => e.kind === 'entry_recorded').length;

test('a double tap records one entry; the button shows busy only once the write is slow', async ({ page }) => {
  await counterTown(page, [YAMADA]);
  await chooseRoom(page, '住民窓口');
  await fillEntry(page, YAMADA);
  const before = await entries(page);
  const [button, form] = [page.locator('#record-entry'), page.locator('form.entry-form')];

  await holdTheStore(page, 1500);
  // Two taps in the same moment, and the state a frame later (well within 150 ms).
  const afterAFrame = await page.evaluate(async () => {
    const button = document.getElementById('record-entry');
    button.click();
    button.click();
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return { disabled: button.disabled, busy: button.form.getAttribute('aria-busy') };
  });
  expect(afterAFrame).toEqual({ disabled: false, busy: 'false' });
  // The write waits behind the held store: after 150 ms the form says so.
  await expect(button).toBeDisabled();
  await expect(form).toHaveAttribute('aria-busy', 'true');

  await page.evaluate(() => window.released);
  await expect(insideRow(page, YAMADA.name)).toHaveCount(1);
  await expect(button).toBeEnabled();
  await expect(form).toHaveAttribute('aria-busy', 'false');
  // One entry recorded, and nothing refused: the second tap was never sent to the store.
  expect(await entries(page)).toBe(before + 1);
  await expect(page.locator('.entry-form [role="alert"]')).toHaveCount(0);
  // Said once, by the page's notice (who, and when), not again under the form.
  await expect(page.locator('.notice')).toContainText(`${YAMADA.name}さんの入室を記録しました`);
  await expect(page.locator('.entry-form .status')).toHaveCount(0);
});
