// The User Directory as a listing: search, filters, sorting, counts, Export CSV, navigation.

import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { DirectoryPage, signedInBrowser } from '../fixtures/directory-page';
import { OPERATOR, ascending, hydrated, parseUtc } from '../fixtures/usher';

test('search narrows as you type, lives in the URL, and a slow older answer never wins', async ({ browser }) => {
  test.slow();
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  await directory.open();
  const everyone = await directory.rows().count();
  expect(everyone).toBeGreaterThan(20);

  // The answer to "ho" is slow; "hopper" is typed meanwhile. Whatever order the answers come
  // in, what stays on screen is the answer to "hopper".
  await page.route('**/api/list_directory', async (route) => {
    const body = route.request().postDataJSON();
    if (body?.query?.q === 'ho') {
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    await route.continue();
  });
  const search = page.getByRole('searchbox');
  await search.pressSequentially('ho', { delay: 30 });
  await search.pressSequentially('pper', { delay: 30 });
  await expect(page).toHaveURL(/q=hopper/);
  await expect(directory.rows().first()).toContainText('Hopper');
  await page.waitForTimeout(2500);
  const narrowed = await directory.rows().count();
  expect(narrowed).toBeLessThan(everyone);
  await expect(search).toHaveValue('hopper');
  for (const text of await directory.rows().allInnerTexts()) {
    expect(text.toLowerCase()).toContain('hopper');
  }
  await page.unroute('**/api/list_directory');

  // Shareable and reloadable; the back button returns to the whole list.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('searchbox')).toHaveValue('hopper');
  await expect(directory.rows()).toHaveCount(narrowed);
  await page.goto('/users?q=lovelace.1%40');
  await hydrated(page);
  await expect(directory.rows()).toHaveCount(1);
  await page.goBack();
  await expect(page.getByRole('searchbox')).toHaveValue('hopper');
});

test('a search typed before the page hydrates is kept and searched for; a slow listing shows it is on its way', async ({ browser }) => {
  test.slow();
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  // The WebAssembly is held back until the person has typed, as on a slow phone.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/*.wasm', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/users', { waitUntil: 'domcontentloaded' });
  const search = page.getByRole('searchbox');
  await search.fill('hopper');
  expect(await page.locator('body[data-hydrated="true"]').count()).toBe(0);
  release();
  await hydrated(page);
  await expect(search).toHaveValue('hopper');
  await expect(page).toHaveURL(/q=hopper/);
  // The unfiltered list starts with a Hopper too: wait until every row is one.
  await expect
    .poll(async () => {
      const rows = await directory.rows().allInnerTexts();
      return rows.length > 0 && rows.every((text) => text.toLowerCase().includes('hopper'));
    })
    .toBe(true);
  await page.unroute('**/*.wasm');

  // While the next listing is on its way the rows stay, marked busy, and the line says so.
  let answer: () => void = () => {};
  const answered = new Promise<void>((resolve) => (answer = resolve));
  await page.route('**/api/list_directory', async (route) => {
    await answered;
    await route.continue();
  });
  await search.fill('lovelace');
  const status = page.getByRole('status').filter({ hasText: 'Searching…' });
  await expect(status).toBeVisible();
  await expect(page.locator('.listing[aria-busy="true"]')).toHaveCount(1);
  await expect(directory.rows().first()).toContainText('Hopper');
  answer();
  await expect(directory.rows().first()).toContainText('Lovelace');
  await expect(status).toHaveCount(0);
  await expect(page.locator('.listing[aria-busy="false"]')).toHaveCount(1);
  await expect(page.locator('.table-count')).toHaveText(/\d users?$/);
});

test('status and entity filters change what is shown and stay in the URL', async ({ browser }) => {
  test.slow();
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  await directory.open();
  await expect(page.locator('table.directory .badge', { hasText: 'Deleted' })).toHaveCount(0);
  await directory.status('Deleted').check();
  await expect(page).toHaveURL(/status=active%2Cpending%2Cinactive%2Cdeleted/);
  await expect(page.locator('table.directory .badge', { hasText: 'Deleted' }).first()).toBeVisible();
  await directory.status('Active').uncheck();
  await directory.status('Pending').uncheck();
  await directory.status('Inactive').uncheck();
  await expect(page.locator('table.directory .badge.active')).toHaveCount(0);
  await page.getByLabel('Entity').selectOption({ label: 'Contoso Markets' });
  await expect(page).toHaveURL(/entity=/);
  await page.reload();
  await hydrated(page);
  await expect(directory.status('Deleted')).toBeChecked();
  await expect(directory.status('Active')).not.toBeChecked();
  for (const text of await directory.rows().allInnerTexts()) {
    expect(text).toContain('Contoso Markets');
    expect(text).toContain('Deleted');
  }
  // Entity admins see their own entity only, with no entity filter.
  const admin = await signedInBrowser(browser, 'admin@northwind.test');
  await new DirectoryPage(admin).open();
  await expect(admin.getByLabel('Entity')).toHaveCount(0);
  for (const text of await new DirectoryPage(admin).rows().allInnerTexts()) {
    expect(text).toContain('Northwind Trading');
  }
});

test('Export CSV downloads exactly the rows the filter shows, in Chromium', async ({ browser }) => {
  const page = await signedInBrowser(browser, 'admin@northwind.test');
  const directory = new DirectoryPage(page);
  await directory.open('?q=lovelace');
  const shown = (await directory.rows().allInnerTexts()).length;
  expect(shown).toBeGreaterThan(0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^usher-users-\d{4}-\d{2}-\d{2}\.csv$/);
  expect(await download.failure()).toBeNull();
  const text = readFileSync((await download.path())!, 'utf8');
  const lines = text.trimEnd().split('\r\n');
  expect(lines[0]).toBe('Name,Email,Entity,Roles,Status,Last sign-in,Created');
  expect(lines.length - 1).toBe(shown);
  for (const line of lines.slice(1)) {
    expect(line.toLowerCase()).toContain('lovelace');
    expect(line).toContain('Northwind Trading');
  }
});

test('the count says which rows a page shows, headers sort, an empty result offers Clear filters', async ({ browser }) => {
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  await directory.open();
  const count = page.locator('.table-count');
  await expect(count).toHaveText(/^1–50 of [\d,]+ users$/);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(count).toHaveText(/^51–\d+ of [\d,]+ users$/);

  // A column header sorts by its column and says so; the URL keeps it.
  const emailHeader = page.getByRole('columnheader', { name: 'Email' });
  await emailHeader.getByRole('button').click();
  await expect(page).toHaveURL(/sort=email/);
  await expect(emailHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect(page.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'none');
  await expect(count).toHaveText(/^1–50 of /);
  const emails = await page.locator('table.directory tbody td[data-label="Email"]').allTextContents();
  expect(emails.length).toBeGreaterThan(1);
  expect(emails).toEqual([...emails].sort());
  // Pressed again, the same column the other way: Z to A from the very last address.
  await emailHeader.getByRole('button').click();
  await expect(page).toHaveURL(/sort=email_desc/);
  await expect(emailHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(page.getByRole('combobox', { name: 'Sort' })).toHaveValue('email_desc');
  await expect(page.locator('table.directory tbody td[data-label="Email"]').first()).not.toHaveText(emails[0]);
  const backwards = await page.locator('table.directory tbody td[data-label="Email"]').allTextContents();
  expect(backwards).toEqual([...backwards].sort().reverse());
  expect(backwards[0] >= emails[emails.length - 1]).toBe(true);
  // Last sign-in reads newest first, then oldest first (those who never signed in at the top).
  const signInHeader = page.getByRole('columnheader', { name: 'Last sign-in' });
  await signInHeader.getByRole('button').click();
  await expect(signInHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(emailHeader).toHaveAttribute('aria-sort', 'none');
  await signInHeader.getByRole('button').click();
  await expect(page).toHaveURL(/sort=last_sign_in_asc/);
  await expect(signInHeader).toHaveAttribute('aria-sort', 'ascending');
  const signIns = page.locator('table.directory tbody td[data-label="Last sign-in"]');
  await expect(signIns.first()).toHaveText(/Never/i);
  // Past those who never signed in, the longest ago first.
  await expect(signIns.last()).not.toHaveText(/Never/i);
  const exact = await signIns.evaluateAll((cells) => cells.map((c) => c.getAttribute('title') ?? ''));
  const firstSignedIn = exact.findIndex((t) => t !== '');
  expect(firstSignedIn).toBeGreaterThan(0);
  expect(exact.slice(firstSignedIn).every((t) => t !== '')).toBe(true);
  expect(ascending(exact.slice(firstSignedIn).map(parseUtc))).toBe(true);
  await emailHeader.getByRole('button').click();
  await expect(page).toHaveURL(/sort=email(&|$)/);

  // Nothing found: no bare table head, but what to do about it.
  await directory.search('zzzq nobody at all');
  await expect(page.getByText('No users match.')).toBeVisible();
  await expect(page.locator('table.directory')).toBeHidden();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.getByRole('searchbox')).toHaveValue('');
  await expect(directory.rows().first()).toBeVisible();
  await expect(page).toHaveURL(/sort=email/);
});

test('moving to another page builds it once: each of its requests goes once, the session is asked again', async ({ browser }) => {
  const page = await signedInBrowser(browser, OPERATOR.email);
  await page.goto('/invitations');
  await hydrated(page);
  const asked: string[] = [];
  page.on('request', (r) => {
    const m = /\/api\/([a-z_]+)/.exec(new URL(r.url()).pathname);
    if (m) asked.push(m[1]);
  });
  await page.getByRole('link', { name: 'Users', exact: true }).first().click();
  await expect(page.locator('table.directory tbody tr').first()).toBeVisible();
  // Past the moment a second build would have asked again.
  await page.waitForTimeout(500);
  const count = (name: string) => asked.filter((a) => a === name).length;
  expect(count('current_user')).toBe(1);
  expect(count('list_directory')).toBe(1);
  expect(count('directory_options')).toBe(1);
  expect(count('user_form_options')).toBe(1);
});
