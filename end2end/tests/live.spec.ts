import { expect, test } from '@playwright/test';
import { DirectoryPage, signedInBrowser } from '../fixtures/directory-page';
import { OPERATOR, freshUser, hydrated } from '../fixtures/usher';

test("an entity admin's open directory and user page follow an operator's changes, without losing what they type", async ({ browser }) => {
  test.slow();
  const lara = freshUser('Lara');
  const admin = await signedInBrowser(browser, 'admin@northwind.test');
  const theirs = new DirectoryPage(admin);
  await theirs.open(`?q=${encodeURIComponent(lara.email)}`);
  await expect(theirs.row(lara.email)).toContainText('Active');
  // Another entity's admin is watching their own directory.
  const contoso = await signedInBrowser(browser, 'admin@contoso.test');
  await new DirectoryPage(contoso).open();

  const operator = await signedInBrowser(browser, OPERATOR.email);
  const ours = new DirectoryPage(operator);
  await ours.open(`?q=${encodeURIComponent(lara.email)}`);
  await ours.menu(lara.email, 'Deactivate');
  await ours.confirm('Deactivate user', 'Deactivate');
  await expect(ours.row(lara.email)).toContainText('Inactive');

  // The admin's row is redrawn in place: no reload, no click.
  await expect(theirs.row(lara.email)).toContainText('Inactive', { timeout: 5000 });
  await expect(admin.locator('.live-news')).toBeHidden();

  // While the admin types in a dialog, a change waits to be asked for.
  await admin.getByRole('button', { name: 'Create User' }).click();
  const dialog = admin.getByRole('dialog', { name: 'Create User' });
  await dialog.getByLabel('Name').fill('Half typed');
  await ours.menu(lara.email, 'Reactivate');
  await expect(ours.row(lara.email)).toContainText('Active');
  await expect(admin.locator('.live-news')).toHaveText(/\d+ new changes?/, { timeout: 5000 });
  await expect(dialog.getByLabel('Name')).toHaveValue('Half typed');
  await expect(theirs.row(lara.email)).toContainText('Inactive');
  await admin.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await admin.locator('.live-news').getByRole('button', { name: 'Show' }).click();
  await expect(theirs.row(lara.email)).toContainText('Active');
  await expect(admin.locator('.live-news')).toBeHidden();

  // A user's page follows changes to that user.
  await theirs.row(lara.email).getByRole('link').first().click();
  await expect(admin.getByRole('heading', { name: lara.name })).toBeVisible();
  await hydrated(admin);
  await ours.menu(lara.email, 'Deactivate');
  await ours.confirm('Deactivate user', 'Deactivate');
  await expect(admin.locator('main .badge').first()).toHaveText('Inactive', { timeout: 5000 });

  // Contoso's admin heard none of it.
  await expect(contoso.locator('.live-news')).toBeHidden();
  await expect(contoso.locator('table.directory tbody tr', { hasText: lara.email })).toHaveCount(0);
});

test('the audit log announces new events on its first page', async ({ browser }) => {
  const watcher = await signedInBrowser(browser, OPERATOR.email);
  await watcher.goto('/audit?action=user.deactivated');
  await hydrated(watcher);
  const mia = freshUser('Mia');
  const admin = await signedInBrowser(browser, 'admin@northwind.test');
  const directory = new DirectoryPage(admin);
  await directory.open(`?q=${encodeURIComponent(mia.email)}`);
  await directory.menu(mia.email, 'Deactivate');
  await directory.confirm('Deactivate user', 'Deactivate');
  const news = watcher.locator('.live-news');
  await expect(news).toContainText(/new events?/, { timeout: 5000 });
  await news.getByRole('button', { name: 'Show' }).click();
  await expect(watcher.getByText(`Nadia Admin deactivated ${mia.name}`)).toBeVisible();
});
