// The door's rules at level 1 (第17条第2項), and a manager reviewing the logbook: filtering it,
// opening a line's history, and correcting it with the original kept beside the correction.
import { test, expect } from '@playwright/test';
import {
  SATO, YAMADA, counterTown, chooseRoom, fillEntry, recordEntry, insideRow, exitButton, logRows,
  eventCount, storedEvents,
} from './helpers.mjs';

const VISITOR = { name: '保守 業者', affiliation: '株式会社ほっかい', visitor: true };

test('a visitor enters the counter room only escorted by permitted staff', async ({ page }) => {
  await counterTown(page, [YAMADA, VISITOR]);
  await chooseRoom(page, '住民窓口');
  await expect(page.locator('.requirement')).toContainText('同行');
  const before = await eventCount(page);
  await fillEntry(page, VISITOR);
  await page.click('#record-entry');
  const refusal = page.locator('.field-error[data-field="Escort"]');
  await expect(refusal).toContainText('同行が必要です');
  await expect(refusal).toContainText('第17条第2項');
  expect(await eventCount(page)).toBe(before);

  // Nothing chosen was lost: choosing the escort and recording again succeeds.
  await page.selectOption('#entry-escort', { label: `${YAMADA.name}（${YAMADA.affiliation}）` });
  await page.click('#record-entry');
  await expect(insideRow(page, VISITOR.name)).toBeVisible();
  const line = logRows(page).filter({ hasText: VISITOR.name });
  await expect(line).toContainText(YAMADA.name);
  const entry = (await storedEvents(page)).find((e) => e.kind === 'entry_recorded');
  expect(entry.payload.escort_id).toBeTruthy();
  expect(entry.payload.person.name).toBe(VISITOR.name);
});

test('a manager filters the logbook, opens a line and corrects it; the original stays', async ({ page }) => {
  await counterTown(page);
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, YAMADA);
  await recordEntry(page, { ...SATO, purpose: '窓口業務' });
  await exitButton(page, YAMADA.name).click();
  await expect(logRows(page)).toHaveCount(2);

  await page.selectOption('#log-person', { label: `${SATO.name}（${SATO.affiliation}）` });
  await expect(logRows(page)).toHaveCount(1);
  await expect(page.locator('.log-count')).toHaveAttribute('data-total', '1');
  await page.selectOption('#log-person', { label: 'すべての方' });
  await page.selectOption('#log-order', 'oldest');
  await expect(logRows(page).first()).toContainText(YAMADA.name);

  await logRows(page).filter({ hasText: SATO.name }).getByRole('link', { name: SATO.name }).click();
  await expect(page).toHaveURL(/#\/record\//);
  await expect(page.locator('.history-event')).toHaveCount(1);
  await expect(page.locator('.history-event').first()).toContainText('入室の記録');

  // A correction needs a reason: refused, nothing stored.
  const before = await eventCount(page);
  await page.selectOption('#correction-field', { label: '目的' });
  await page.fill('#correction-value', '窓口相談');
  await page.click('#record-correction');
  await expect(page.locator('.correction-form .form-error')).toContainText('訂正の理由');
  expect(await eventCount(page)).toBe(before);

  await page.fill('#correction-reason', '目的の誤記');
  await page.click('#record-correction');
  await expect(page.locator('.correction-form .status')).toContainText('元の記録はそのまま残ります');
  await expect(page.locator('.history-event')).toHaveCount(2);
  await expect(page.locator('.history-event').nth(1)).toContainText('目的の誤記');

  await page.goBack();
  await expect(page.locator('[data-ready="true"]')).toBeVisible();
  const line = logRows(page).filter({ hasText: SATO.name });
  await expect(line).toContainText('窓口業務');
  await expect(line.locator('.corrected')).toContainText('窓口相談');

  const events = await storedEvents(page);
  const entry = events.find((e) => e.kind === 'entry_recorded' && e.payload.person.name === SATO.name);
  const correction = events.find((e) => e.kind === 'correction_recorded');
  expect(correction.payload.target).toBe(`${entry.device}:${entry.seq}`);
  expect(correction.payload.reason).toBe('目的の誤記');
  expect(entry.payload.purpose).toBe('窓口業務');
});
