import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { DirectoryPage, signedInBrowser } from '../fixtures/directory-page';
import { OPERATOR, hydrated } from '../fixtures/usher';

test('the audit log reads as sentences and filters by who, what and when', async ({ browser }) => {
  const page = await signedInBrowser(browser, OPERATOR.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  await hydrated(page);
  const events = page.locator('.audit-trail > li');
  await expect(events.first()).toBeVisible();

  // Who and what, by keyboard: the filters are a form, Enter applies them.
  const filters = page.getByRole('form', { name: 'Filters' });
  await filters.getByLabel('Who', { exact: true }).fill(OPERATOR.email);
  await filters.getByLabel('Action').selectOption({ label: 'Signed in' });
  await filters.getByLabel('Who', { exact: true }).press('Enter');
  await expect(page).toHaveURL(/actor=operator%40usher.test/);
  await expect(events.first()).toContainText(`${OPERATOR.name} signed in`);
  for (const text of await events.locator('> span.strong').allTextContents()) {
    expect(text).toBe(`${OPERATOR.name} signed in`);
  }
  // Today only (UTC), then a day with nothing.
  const today = new Date().toISOString().slice(0, 10);
  await filters.getByLabel('From', { exact: true }).fill(today);
  await filters.getByLabel('To', { exact: true }).fill(today);
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expect(events.first()).toContainText(`${OPERATOR.name} signed in`);
  await filters.getByLabel('From', { exact: true }).fill('2001-01-01');
  await filters.getByLabel('To', { exact: true }).fill('2001-01-02');
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByText('No events match.')).toBeVisible();

  // A wrong value is named next to its field and kept.
  await page.getByRole('link', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await filters.getByLabel('Who', { exact: true }).fill('not an address');
  await filters.getByLabel('Who', { exact: true }).press('Enter');
  await expect(page.locator('#actor-error')).toHaveText('Enter an account email.');
  await expect(filters.getByLabel('Who', { exact: true })).toHaveValue('not an address');
});

test("a user's page links to everything the log holds about them", async ({ browser }) => {
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  await directory.open('?q=trader%40northwind');
  await directory.rows().first().getByRole('link').first().click();
  await hydrated(page);
  await page.getByRole('link', { name: 'See all in the audit log' }).click();
  await expect(page).toHaveURL(/\/audit\?target=/);
  await expect(page.locator('.audit-trail > li').first()).toBeVisible();
});

test('an entity admin reads their own entity only', async ({ browser }) => {
  const page = await signedInBrowser(browser, 'admin@northwind.test');
  await page.goto('/audit');
  await hydrated(page);
  await expect(page.locator('.audit-trail > li').first()).toBeVisible();
  await expect(page.locator('select[name=entity]')).toHaveCount(0);
  // (Which events those are is pinned by the service tests and the authorisation matrix.)
});

test('Export CSV downloads the events the filter shows', async ({ browser }) => {
  const page = await signedInBrowser(browser, 'admin@northwind.test');
  await page.goto('/audit?actor=admin%40northwind.test&action=user.signed_in');
  await hydrated(page);
  await expect(page.locator('.audit-trail > li').first()).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^usher-audit-\d{4}-\d{2}-\d{2}\.csv$/);
  expect(await download.failure()).toBeNull();
  const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\r\n');
  expect(lines[0]).toBe('Time,Event,Who,Action,About,Changes,IP,Request id');
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(1)) {
    expect(line).toContain(',admin@northwind.test,user.signed_in,');
  }
});
