// セキュリティ会議 (第6条): the general manager records a meeting with its agenda, the staff
// called to explain and the review board consulted; the board's opinion is recorded when it
// arrives; anyone else is refused, with the article.
import { test, expect } from '@playwright/test';
import { ADMIN, addPerson, openApp, signIn, storedEvents, eventCount } from './helpers.mjs';
import {
  SATO, SUZUKI, option, tab, makeGeneralManager, fillAgenda, recordMeeting, ofKind, idOf,
} from './general-manager.mjs';

const JUNE = {
  date: '2026-06-10',
  place: '上湧別庁舎 第1会議室',
  agenda: [
    { category: 'measures', title: 'パスワード管理の見直し', discussion: '変更周期を検討', decision: '90日ごとに変更する' },
    { category: 'compliance', title: '入退室管理の遵守状況', discussion: '5月分の管理簿を確認', decision: '問題なし' },
  ],
};
const SUBJECT = '業務委託先への本人確認情報の提供';

test('the general manager records a meeting and the board’s opinion; others are refused', async ({ page }) => {
  await openApp(page);
  await addPerson(page, SATO);
  await addPerson(page, SUZUKI);
  await makeGeneralManager(page);

  await tab(page, 'セキュリティ会議');
  await expect(page.locator('.meetings-page[data-ready="true"]')).toBeVisible();
  // The chair is the general manager of today unless another is chosen.
  await expect(page.locator('#meeting-chair option:checked')).toHaveText(`${ADMIN.name}（${ADMIN.affiliation}）`);

  // A meeting without an agenda is refused (第6条第3項) and nothing is stored.
  const before = await eventCount(page);
  await page.fill('#meeting-place', JUNE.place);
  await page.click('#record-meeting');
  await expect(page.locator('.meeting-form .form-error')).toContainText('審議事項を入力してください。（第6条第3項）');
  expect(await eventCount(page)).toBe(before);

  // Members, a staff member called to explain, two agenda items and a consultation.
  await page.fill('#meeting-date', JUNE.date);
  await page.locator('#meeting-members').getByLabel(`${SATO.name}（${SATO.affiliation}）`).check();
  await page.click('#add-explainer');
  const explainer = page.locator('.explainer-row').first();
  await explainer.locator('.explainer-person').selectOption(option(SUZUKI));
  await explainer.locator('.explainer-topic').fill('サーバ更新の計画');
  for (const [n, item] of JUNE.agenda.entries()) await fillAgenda(page, n, item);
  await page.click('#add-consultation');
  await page.locator('.consultation-asked').fill('2026-06-10');
  await page.locator('.consultation-subject').fill(SUBJECT);
  await page.click('#record-meeting');
  await expect(page.locator('.meeting-form .status')).toContainText('会議を記録しました');

  const [held] = ofKind(await storedEvents(page), 'meeting_held');
  expect(held.payload).toMatchObject({
    date: '2026-06-10',
    place: JUNE.place,
    chair: held.operator,
    explainers: [{ topic: 'サーバ更新の計画' }],
    consultations: [{ asked_on: '2026-06-10', subject: SUBJECT, opinion_on: null, opinion: null }],
  });
  expect(held.payload.members).toHaveLength(1);
  expect(held.payload.agenda.map((a) => [a.category, a.title, a.decision])).toEqual(
    JUNE.agenda.map((a) => [a.category, a.title, a.decision]),
  );

  const row = page.locator(`tr[data-meeting="${idOf(held)}"]`);
  await expect(row).toContainText('令和8年6月10日');
  await expect(row.locator('.place')).toHaveText(JUNE.place);
  await expect(row.locator('.chair .name')).toHaveText(ADMIN.name);
  await expect(row.locator('.agenda-count .count')).toHaveText('2件');
  await expect(row.locator('.opinions')).toHaveText('未着 1件 / 受領 0件');
  await expect(row.locator('a.record-link')).toHaveAttribute('href', `#/record/${idOf(held)}`);

  // Everything recorded shows in the detail, where the opinion is recorded when it arrives.
  await page.getByRole('button', { name: '令和8年6月10日の会議の詳細' }).click();
  const detail = page.locator('#meeting-detail');
  await expect(detail.locator('.members')).toHaveText(SATO.name);
  await expect(detail.locator('.explainers')).toContainText(`${SUZUKI.name}：サーバ更新の計画`);
  await expect(detail.locator('.agenda-item')).toHaveCount(2);
  await expect(detail.locator('.agenda-item').nth(0)).toContainText('セキュリティ対策の決定及び見直し');
  await expect(detail.locator('.agenda-item').nth(1)).toContainText('セキュリティ対策の遵守状況確認');
  await expect(detail.locator(`tr[data-subject="${SUBJECT}"]`)).toContainText('未着');
  await expect(page.locator('#opinion-subject')).toHaveValue(SUBJECT);
  await page.fill('#opinion-text', '提供は適当と認める');
  await page.click('#record-opinion');
  await expect(detail.locator('.status')).toContainText('審査会の意見を記録しました');
  await expect(detail.locator(`tr[data-subject="${SUBJECT}"]`)).toContainText('提供は適当と認める');
  await expect(row.locator('.opinions')).toHaveText('未着 0件 / 受領 1件');
  const [opinion] = ofKind(await storedEvents(page), 'opinion_received');
  expect(opinion.payload).toMatchObject({ meeting: idOf(held), subject: SUBJECT, opinion: '提供は適当と認める' });

  // A second meeting, in March 2025: 令和6年度 but the calendar year 2025.
  await recordMeeting(page, {
    date: '2025-03-14',
    place: '湧別庁舎 会議室',
    agenda: [{ category: 'other', title: '年度末の点検', discussion: '点検計画', decision: '4月に実施' }],
  });
  const rows = page.locator('tr[data-meeting]');
  await expect(rows).toHaveCount(2);
  await expect(rows.first().locator('.place')).toHaveText(JUNE.place); // newest first
  await page.selectOption('#meeting-sort', 'oldest');
  await expect(rows.first().locator('.place')).toHaveText('湧別庁舎 会議室');
  await page.selectOption('#meeting-year', { label: '令和6年度（2024年度）' });
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('.place')).toHaveText('湧別庁舎 会議室');
  await page.selectOption('#meeting-year-kind', 'calendar');
  await page.selectOption('#meeting-year', { label: '令和8年（2026年）' });
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('.place')).toHaveText(JUNE.place);
  await page.selectOption('#meeting-year', '');
  await page.fill('#meeting-search', 'パスワード');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('.place')).toHaveText(JUNE.place);

  // Anyone else may try; the store refuses, naming the role and the article.
  await page.click('#sign-out');
  await signIn(page, SATO);
  await tab(page, 'セキュリティ会議');
  const count = await eventCount(page);
  await fillAgenda(page, 0, JUNE.agenda[0]);
  await page.fill('#meeting-place', '総務課');
  await page.click('#record-meeting');
  const refusal = page.locator('.meeting-form .form-error');
  await expect(refusal).toContainText('セキュリティ総括責任者だけ');
  await expect(refusal).toContainText('第6条');
  expect(await eventCount(page)).toBe(count);
});

test('minutes too long ever to be sent are refused with the limit, kept in the form, and nothing is stored', async ({ page }) => {
  await openApp(page);
  await makeGeneralManager(page);
  await tab(page, 'セキュリティ会議');
  await expect(page.locator('.meetings-page[data-ready="true"]')).toBeVisible();
  const before = await eventCount(page);
  // About 1.2 MB of UTF-8 (three bytes a character): over the 1 MiB one record may take.
  const pasted = '議'.repeat(400_000);
  await page.fill('#meeting-place', JUNE.place);
  await fillAgenda(page, 0, { ...JUNE.agenda[0], discussion: pasted });
  await page.click('#record-meeting');
  const refusal = page.locator('.meeting-form .form-error');
  await expect(refusal).toContainText('記録が大きすぎます');
  await expect(refusal).toContainText('1件の記録は1024KiBまで');
  expect(await eventCount(page)).toBe(before);
  // What was typed stays, to be shortened rather than typed again.
  expect(await page.locator('.agenda-row .agenda-discussion').first().inputValue()).toHaveLength(pasted.length);

  await page.locator('.agenda-row .agenda-discussion').first().fill(JUNE.agenda[0].discussion);
  await page.click('#record-meeting');
  await expect(page.locator('.meeting-form .status')).toContainText('会議を記録しました');
  expect(await eventCount(page)).toBe(before + 1);
});
