// Steps the general manager's registers share: making ADMIN the general manager and recording
// a meeting (セキュリティ会議, 第6条).
import { expect } from '@playwright/test';
import { ADMIN } from './helpers.mjs';

export const SATO = { name: '佐藤 花子', affiliation: '総務課', pin: '1357' };
export const SUZUKI = { name: '鈴木 次郎', affiliation: '情報管理室' };

export const option = (who) => ({ label: `${who.name}（${who.affiliation}）` });

export async function tab(page, name) {
  await page.getByRole('button', { name, exact: true }).click();
}

/** Records a term of 副町長 for `who`: the position that holds セキュリティ総括責任者. */
export async function makeGeneralManager(page, who = ADMIN) {
  await tab(page, '職と役割');
  await page.selectOption('#tenure-position', { label: '副町長' });
  await page.selectOption('#tenure-holder', option(who));
  await page.fill('#tenure-from', '2024-04-01');
  await page.click('#record-tenure');
  await expect(page.locator('.tenure-form .status')).toContainText('任期を記録しました');
  await expect(page.locator('tr[data-role="GeneralManager"] .holder')).toHaveText(who.name);
}

/** Fills agenda row `n` (0-based) of the meeting form, adding the row if needed. */
export async function fillAgenda(page, n, { category, title, discussion, decision }) {
  const rows = page.locator('.agenda-row');
  if ((await rows.count()) <= n) await page.click('#add-agenda');
  const row = rows.nth(n);
  await row.locator('.agenda-category').selectOption(category);
  await row.locator('.agenda-title').fill(title);
  await row.locator('.agenda-discussion').fill(discussion);
  await row.locator('.agenda-decision').fill(decision);
}

/** Records a meeting with the given agenda (and consultations) on the meetings page. */
export async function recordMeeting(page, { date, place, agenda, consultations = [] }) {
  await tab(page, 'セキュリティ会議');
  await page.fill('#meeting-date', date);
  await page.fill('#meeting-place', place);
  for (const [n, item] of agenda.entries()) await fillAgenda(page, n, item);
  for (const [n, c] of consultations.entries()) {
    await page.click('#add-consultation');
    const row = page.locator('.consultation-row').nth(n);
    await row.locator('.consultation-asked').fill(c.asked);
    await row.locator('.consultation-subject').fill(c.subject);
  }
  await page.click('#record-meeting');
  await expect(page.locator('.meeting-form .status')).toContainText('会議を記録しました');
}

/** The stored events of one kind, oldest first. */
export function ofKind(events, kind) {
  return events.filter((e) => e.kind === kind).sort((a, b) => a.seq - b.seq);
}

export const idOf = (event) => `${event.device}:${event.seq}`;
