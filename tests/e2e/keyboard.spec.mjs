// Keyboard only (issue 17): one entry recorded from a freshly opened 入退室管理簿 without the
// mouse — the skip link past the header and the registers, the room, the person, the purpose,
// the record button — counting every key pressed; focus follows the flow (the room chosen, the
// person's field is next).
import { test, expect } from '@playwright/test';
import { YAMADA, counterTown, insideRow } from './helpers.mjs';

/** Presses Tab until the focused element matches `selector` (and holds `text`, if given); how
 *  many presses it took. */
async function tabUntil(page, selector, { text = '', most = 60 } = {}) {
  const reached = () => page.evaluate(([s, t]) => {
    const e = document.activeElement;
    return Boolean(e?.matches(s) && e.textContent.includes(t));
  }, [selector, text]);
  for (let presses = 1; presses <= most; presses++) {
    await page.keyboard.press('Tab');
    if (await reached()) return presses;
  }
  throw new Error(`${selector} ${text} not reached in ${most} Tab presses`);
}

const focusedId = (page) => page.evaluate(() => document.activeElement?.id ?? '');

test('one entry by keyboard alone takes fewer than 15 keys, and focus follows the flow', async ({ page }) => {
  await counterTown(page, [YAMADA]);
  await page.reload();
  await expect(page.locator('[data-ready="true"]')).toBeVisible();
  let keys = 0;

  // The first stop is the skip link; it leads past the header to the page's own content.
  keys += await tabUntil(page, '.skip-link', { most: 1 });
  await page.keyboard.press('Enter');
  keys += 1;
  await expect.poll(() => focusedId(page)).toBe('page-content');

  // The room: chosen with Enter, and the person's field takes the focus.
  keys += await tabUntil(page, '.room-picker button', { text: '住民窓口' });
  await page.keyboard.press('Enter');
  keys += 1;
  await expect.poll(() => focusedId(page)).toBe('entry-person');

  // The person: the first one permitted, by the arrow key.
  await page.keyboard.press('ArrowDown');
  keys += 1;
  await expect(page.locator('#entry-person')).not.toHaveValue('');

  // The purpose, typed (counted as one step), then the record button.
  keys += await tabUntil(page, '#entry-purpose');
  await page.keyboard.type('窓口業務');
  keys += 1;
  keys += await tabUntil(page, '#record-entry');
  await page.keyboard.press('Enter');
  keys += 1;
  await expect(insideRow(page, YAMADA.name)).toBeVisible();
  // Recorded, the person's field has the focus again (a frame after the row is drawn).
  await expect.poll(() => focusedId(page)).toBe('entry-person');

  test.info().annotations.push({ type: 'keys for one entry', description: String(keys) });
  console.log(`keyboard: one entry in ${keys} keys`);
  expect(keys).toBeLessThan(15);
});
