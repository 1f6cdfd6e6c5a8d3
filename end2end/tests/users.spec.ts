// Managing people from the directory and a user's page: Create User, Edit, Deactivate, Delete,
// Restore, Delete permanently, ending sessions, Forgot password.

import { expect, test } from '@playwright/test';
import { AccountPage } from '../fixtures/account-page';
import { DirectoryPage, signedInBrowser } from '../fixtures/directory-page';
import { newestLink, uniqueEmail } from '../fixtures/invitations-page';
import { SignInPage } from '../fixtures/sign-in-page';
import { DEMO_PASSWORD, OPERATOR, freshUser, hydrated } from '../fixtures/usher';

const NEW_PASSWORD = 'amber lanterns drift past Tromsø';

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

  // A second admin, whose Edit dialog was opened before the first admin saved again, loses
  // nothing of the first and is told (their directory announces the change meanwhile).
  const other = await signedInBrowser(browser, 'admin@northwind.test');
  const otherDirectory = new DirectoryPage(other);
  await otherDirectory.open(`?q=${encodeURIComponent(user.email)}`);
  await otherDirectory.menu(user.email, 'Edit');
  const stale = other.getByRole('dialog', { name: 'Edit user' });
  await expect(stale.getByLabel('Name')).toHaveValue('Edsger Renamed');

  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Edit user' });
  await dialog.getByLabel('Use same as account email').uncheck();
  await dialog.getByLabel('Contact email').fill('edsger@home.example');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('dd', { hasText: 'edsger@home.example' })).toBeVisible();

  await expect(other.locator('.live-news')).toHaveText(/\d+ new changes?/);
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
  await expect(trail).toContainText(`${OPERATOR.name} ended a session of ${user.name}`);
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
