// The door's rules at level 1 (第17条第2項), and a manager reviewing the logbook: filtering it,
// opening a line's history, and correcting it with the original kept beside the correction.
import { test, expect } from '@playwright/test';
import {
  SATO, YAMADA, counterTown, chooseRoom, fillEntry, recordEntry, insideRow, exitButton, logRows,
  eventCount, storedEvents, tab, addBranchCounter,
} from './helpers.mjs';

const VISITOR = { name: '保守 業者', affiliation: '株式会社ほっかい', visitor: true };

// As the text reads (第17条第2項), a visitor needs the entry manager's permission like anyone,
// escorted or not; the escort is recorded on the line. The town's measure "visitors escorted"
// (第18条第2項) is recorded on 室・鍵 and named, with its day, in the refusal it causes.
test('a visitor needs permission; under the measure, an escort too', async ({ page }) => {
  await counterTown(page, [YAMADA, VISITOR]);
  await chooseRoom(page, '住民窓口');
  await expect(page.locator('.requirement').first()).toContainText('来訪者も許可');
  const before = await eventCount(page);
  await fillEntry(page, { ...VISITOR, escort: YAMADA });
  await page.click('#record-entry');
  const unpermitted = page.locator('.field-error[data-field="Person"]');
  await expect(unpermitted).toContainText('事前の入室許可がありません');
  await expect(unpermitted).toContainText('第17条第2項');
  expect(await eventCount(page)).toBe(before);

  // A one-day permission: choosing a visitor ends it on its first day.
  await tab(page, '入室許可');
  await page.selectOption('#standing-person', { label: `${VISITOR.name}（${VISITOR.affiliation}）` });
  await expect(page.locator('#standing-to')).toHaveValue(await page.locator('#standing-from').inputValue());
  await page.selectOption('#standing-room', { label: '住民窓口（レベル1）' });
  await page.click('#grant-standing');
  await expect(page.locator('.standing-form .status')).toContainText('入室を許可しました');
  const grant = (await storedEvents(page)).filter((e) => e.kind === 'permission_granted').pop();
  expect(grant.payload.to).toBe(grant.payload.from);

  // Permitted: the visitor enters; the escort chosen is kept on the line.
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  await fillEntry(page, { ...VISITOR, escort: YAMADA });
  await page.click('#record-entry');
  await expect(insideRow(page, VISITOR.name)).toBeVisible();
  await expect(logRows(page).filter({ hasText: VISITOR.name })).toContainText(YAMADA.name);
  await exitButton(page, VISITOR.name).click();
  await expect(insideRow(page, VISITOR.name)).toHaveCount(0);

  // The entry manager (住民税務課長 for the counter) records the measure on 室・鍵.
  await tab(page, '室・鍵');
  await page.selectOption('#measure-room', { label: '住民窓口（レベル1）' });
  await page.selectOption('#measure-kind', 'visitors_escorted');
  await page.fill('#measure-reason', '監査の指摘による');
  await page.click('#record-measure');
  await expect(page.locator('.measure-form .status')).toContainText('措置を記録しました');
  await expect(page.locator('tr[data-room="default-level-1"] .measures')).toContainText('来訪者は職員が同行');

  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  await expect(page.locator('.requirement.measure')).toContainText('来訪者は職員が同行');
  const beforeMeasure = await eventCount(page);
  await fillEntry(page, VISITOR);
  await page.click('#record-entry');
  const refusal = page.locator('.field-error[data-field="Escort"]');
  await expect(refusal).toContainText('入退室管理者の措置（令和');
  await expect(refusal).toContainText('同行が必要です');
  await expect(refusal).toContainText('第18条第2項');
  expect(await eventCount(page)).toBe(beforeMeasure);

  // Nothing chosen was lost: choosing the escort and recording again succeeds.
  await page.selectOption('#entry-escort', { label: `${YAMADA.name}（${YAMADA.affiliation}）` });
  await page.click('#record-entry');
  await expect(insideRow(page, VISITOR.name)).toBeVisible();
  const entries = (await storedEvents(page)).filter((e) => e.kind === 'entry_recorded');
  expect(entries.at(-1).payload.escort_id).toBeTruthy();
  expect(entries.at(-1).payload.person.name).toBe(VISITOR.name);
});

// One person, one room at a time (第19条第1項): the door warns of a line still open in another
// room and records nothing; the clerk confirms the exit there was not recorded, and the entry
// is recorded naming that line, and raised as an exception for the entry manager.
test('the door warns of a person inside another room and records the entry when confirmed', async ({ page }) => {
  await counterTown(page, [YAMADA]);
  await addBranchCounter(page, YAMADA);
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, YAMADA);

  await chooseRoom(page, '中湧別出張所 窓口');
  const before = await eventCount(page);
  await fillEntry(page, YAMADA);
  await page.click('#record-entry');
  const warning = page.locator('.field-error[data-field="Name"]');
  await expect(warning).toContainText('住民窓口に入室中');
  await expect(warning).toContainText('第19条第1項');
  expect(await eventCount(page)).toBe(before);
  await expect(insideRow(page, YAMADA.name)).toHaveCount(0);

  await page.check('#entry-confirm-elsewhere');
  await page.click('#record-entry');
  await expect(insideRow(page, YAMADA.name)).toBeVisible();
  const entries = (await storedEvents(page)).filter((e) => e.kind === 'entry_recorded');
  expect(entries).toHaveLength(2);
  expect(entries[1].payload.inside_elsewhere).toBe(`${entries[0].device}:${entries[0].seq}`);

  await tab(page, '例外');
  const raised = page.locator('tr.rule-break');
  await expect(raised).toHaveCount(1);
  await expect(raised).toHaveAttribute('data-code', 'entry_while_inside');
  await expect(raised).toContainText('第19条第1項');
  await expect(raised).toContainText('中湧別出張所 窓口');
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
  // Written for a person: the kind of correction in words, no stored names of fields.
  await expect(page.locator('.history-event').nth(1)).toContainText('訂正（項目を訂正）');
  await expect(page.locator('.history-event').nth(1)).not.toContainText(/amend|correction|target/);

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
