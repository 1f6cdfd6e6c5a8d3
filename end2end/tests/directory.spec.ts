import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { AccountPage } from '../fixtures/account-page';
import { DirectoryPage, signedInBrowser } from '../fixtures/directory-page';
import { newestLink, uniqueEmail } from '../fixtures/invitations-page';
import { SignInPage } from '../fixtures/sign-in-page';
import { DEMO_PASSWORD, OPERATOR, ascending, freshUser, hydrated, parseUtc } from '../fixtures/usher';

const NEW_PASSWORD = 'amber lanterns drift past Tromsø';

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

test('Create User with "Use same as account email" and a temporary password', async ({ browser }) => {
  test.slow();
  const page = await signedInBrowser(browser, 'admin@northwind.test');
  const directory = new DirectoryPage(page);
  await directory.open();
  const email = uniqueEmail('mira', 'northwind.test');
  await page.getByRole('button', { name: 'Create User' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create User' });
  await expect(dialog.getByLabel('Use same as account email')).toBeChecked();
  await expect(dialog.getByLabel('Contact email')).toHaveCount(0);
  await dialog.getByLabel('Name').fill('Mira Created');
  await dialog.getByLabel('Account email', { exact: true }).fill('not an email');
  await dialog.getByLabel('Trader', { exact: true }).check();
  await dialog.getByLabel(/Temporary password/).check();
  await dialog.getByRole('button', { name: 'Create User' }).click();
  await expect(dialog.locator('#email-error')).not.toBeEmpty();
  await expect(dialog.getByLabel('Name')).toHaveValue('Mira Created');
  await dialog.getByLabel('Account email', { exact: true }).fill(email);
  await dialog.getByRole('button', { name: 'Create User' }).click();
  const secret = dialog.getByLabel('Temporary password', { exact: true });
  await expect(secret).toBeVisible();
  const password = (await secret.innerText()).trim();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await directory.search(email);
  await expect(directory.row(email)).toContainText('Active');

  // They sign in with it and are asked to choose their own; nothing else opens until they do.
  const them = await signedInBrowser(browser, email, password);
  await expect(them.getByText('You signed in with a one-time password')).toBeVisible();
  await expect(them.getByRole('heading', { name: 'Choose your password' })).toBeVisible();
  await expect(them.getByRole('region', { name: 'My sessions' })).toHaveCount(0);
  await them.goto('/users');
  await hydrated(them);
  await expect(them).toHaveURL(/\/account$/);
  await new AccountPage(them).changePassword(password, NEW_PASSWORD);
  await expect(them.getByRole('heading', { name: 'My account' })).toBeVisible();
  await expect(them.getByText('You signed in with a one-time password')).toHaveCount(0);
  await expect(them.getByRole('region', { name: 'My sessions' })).toBeVisible();
});

test('Edit through the row and through the ⋮ menu; a stale edit is refused', async ({ browser }) => {
  test.slow();
  const user = freshUser('Edsger');
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  await directory.open(`?q=${encodeURIComponent(user.email)}`);
  // Row click opens the user's page, with its Edit.
  await directory.row(user.email).getByRole('cell', { name: user.email }).click();
  await expect(page.getByRole('heading', { name: user.name })).toBeVisible();
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  let dialog = page.getByRole('dialog', { name: 'Edit user' });
  await dialog.getByLabel('Name').fill('Edsger Renamed');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('heading', { name: 'Edsger Renamed' })).toBeVisible();

  // A second admin with the older version loses nothing of the first and is told.
  const other = await signedInBrowser(browser, 'admin@northwind.test');
  const otherDirectory = new DirectoryPage(other);
  await otherDirectory.open(`?q=${encodeURIComponent(user.email)}`);
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Edit user' });
  await dialog.getByLabel('Use same as account email').uncheck();
  await dialog.getByLabel('Contact email').fill('edsger@home.example');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('dd', { hasText: 'edsger@home.example' })).toBeVisible();

  await otherDirectory.menu(user.email, 'Edit');
  const stale = other.getByRole('dialog', { name: 'Edit user' });
  await stale.getByLabel('Name').fill('Lost Update');
  await stale.getByRole('button', { name: 'Save changes' }).click();
  await expect(stale.getByRole('alert').filter({ hasText: 'changed by someone else' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Edsger Renamed' })).toBeVisible();
});

test("Deactivate signs the user's open browser out at its next action", async ({ browser }) => {
  test.slow();
  const user = freshUser('Radia');
  const theirs = await signedInBrowser(browser, user.email);
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  await directory.open(`?q=${encodeURIComponent(user.email)}`);
  await directory.menu(user.email, 'Deactivate');
  await directory.confirm('Deactivate user', 'Deactivate');
  await expect(directory.row(user.email)).toContainText('Inactive');
  await expect(page.getByRole('status').filter({ hasText: 'deactivated and signed out' })).toBeVisible();

  // A member's home is My account; any navigation of theirs finds the session ended.
  await new AccountPage(theirs).navigateHome();
  await new SignInPage(theirs).expectShown();
});

test('Delete hides the user; the Deleted filter shows them; an operator restores; Delete permanently', async ({ browser }) => {
  test.slow();
  const user = freshUser('Hedy');
  const admin = await signedInBrowser(browser, 'admin@northwind.test');
  const directory = new DirectoryPage(admin);
  await directory.open(`?q=${encodeURIComponent(user.email)}`);
  await directory.menu(user.email, 'Delete');
  await expect(admin.getByRole('dialog', { name: 'Delete user' })).toContainText('open orders and credit requests are not cancelled');
  await directory.confirm('Delete user', 'Delete');
  await admin.reload();
  await hydrated(admin);
  await expect(directory.row(user.email)).toHaveCount(0);
  await directory.status('Deleted').check();
  await expect(directory.row(user.email)).toContainText('Deleted');
  // Restore is an operator's.
  await directory.row(user.email).getByRole('button', { name: /^Actions for / }).click();
  await expect(directory.row(user.email).getByRole('menuitem', { name: 'Restore' })).toHaveCount(0);

  const operator = await signedInBrowser(browser, OPERATOR.email);
  const operatorDirectory = new DirectoryPage(operator);
  await operatorDirectory.open(`?q=${encodeURIComponent(user.email)}&status=deleted`);
  await operatorDirectory.menu(user.email, 'Restore');
  await expect(operatorDirectory.row(user.email)).toContainText('Inactive');

  // Delete again, then permanently, confirmed by typing the email.
  await operatorDirectory.menu(user.email, 'Delete');
  await operatorDirectory.confirm('Delete user', 'Delete');
  await operatorDirectory.menu(user.email, 'Delete permanently');
  const dialog = operator.getByRole('dialog', { name: 'Delete permanently' });
  await dialog.getByLabel(/Type .* to confirm/).fill('wrong@example.com');
  await dialog.getByRole('button', { name: 'Delete permanently' }).click();
  await expect(dialog.getByRole('alert')).toContainText('exactly');
  await dialog.getByLabel(/Type .* to confirm/).fill(user.email);
  await dialog.getByRole('button', { name: 'Delete permanently' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(operatorDirectory.row(user.email)).toHaveCount(0);
  await expect(operatorDirectory.notice()).toContainText(`${user.name} was deleted permanently.`);
  await operator.reload();
  await hydrated(operator);
  await expect(operatorDirectory.row(user.email)).toHaveCount(0);
});

test('an admin ends one of the user\'s sessions from their page', async ({ browser }) => {
  test.slow();
  const user = freshUser('Anita');
  const theirs = await signedInBrowser(browser, user.email);
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  await directory.open(`?q=${encodeURIComponent(user.email)}`);
  await directory.row(user.email).getByRole('link', { name: user.name }).click();
  const sessions = page.getByRole('region', { name: 'Sessions' });
  await expect(sessions.getByRole('row')).toHaveCount(2);
  await sessions.getByRole('button', { name: 'End session' }).click();
  await page.getByRole('dialog', { name: 'End session' }).getByRole('button', { name: 'End session', exact: true }).click();
  await expect(sessions.getByText('Not signed in anywhere.')).toBeVisible();
  const trail = page.getByRole('region', { name: 'Audit trail' });
  await expect(trail).toContainText('session.ended');
  // Changes read as "Field: before → after", not as raw JSON.
  await expect(trail).not.toContainText('{"');

  // A member's home is My account; any navigation of theirs finds the session ended.
  await new AccountPage(theirs).navigateHome();
  await new SignInPage(theirs).expectShown();
});

test('Forgot password: the same answer for anyone, a mailed link, and every old session ended', async ({ browser }) => {
  test.slow();
  const user = freshUser('Frances');
  const old = await signedInBrowser(browser, user.email);

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByLabel('Email').fill('nobody.at.all@example.test');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  const unknown = await page.getByRole('status').innerText();
  await page.goto('/forgot-password');
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  const known = await page.getByRole('status').innerText();
  expect(known.replace(user.email, 'X')).toBe(unknown.replace('nobody.at.all@example.test', 'X'));

  const link = await newestLink(user.email, 1, 'reset-password');
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByLabel('Repeat the new password').fill('short');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.locator('#password-error')).toContainText('12');
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('heading', { name: 'Password changed' })).toBeVisible();

  // The session opened with the old password is over; the link works only once.
  await new AccountPage(old).navigateHome();
  await new SignInPage(old).expectShown();
  const again = await context.newPage();
  await again.goto(link);
  await hydrated(again);
  await expect(again.getByRole('heading', { name: 'This link does not work' })).toBeVisible();
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn(user.email, DEMO_PASSWORD);
  await signIn.expectError('Wrong email or password.');
  await signIn.signIn(user.email, NEW_PASSWORD);
  await expect(page.getByRole('banner')).toContainText(user.name);
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
