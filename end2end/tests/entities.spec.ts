import { expect, test } from '@playwright/test';
import { signedInBrowser } from '../fixtures/directory-page';
import { SignInPage } from '../fixtures/sign-in-page';
import { DEMO_PASSWORD, OPERATOR, freshUser, hydrated } from '../fixtures/usher';

test('an operator makes, renames, suspends and resumes an entity; its people are signed out at once', async ({ browser }) => {
  const unique = Date.now().toString(36);
  const page = await signedInBrowser(browser, OPERATOR.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Entities' }).click();
  await expect(page.getByRole('heading', { name: 'Entities' })).toBeVisible();
  await hydrated(page);

  // New entity, by keyboard: a slug that is taken is refused next to the field, the name kept.
  await page.getByRole('button', { name: 'New entity' }).click();
  const dialog = page.getByRole('dialog', { name: 'New entity' });
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.type(`Fabrikam ${unique}`);
  await expect(dialog.getByLabel('Slug')).toHaveValue(`fabrikam-${unique}`);
  await dialog.getByLabel('Slug').fill('northwind');
  await page.keyboard.press('Enter');
  await expect(dialog.locator('#slug-error')).toHaveText('Another entity already uses this slug.');
  await expect(dialog.getByLabel('Name')).toHaveValue(`Fabrikam ${unique}`);
  const slug = `fabrikam-${unique}`;
  await dialog.getByLabel('Slug').fill(slug);
  await dialog.getByRole('button', { name: 'Create entity' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('status')).toHaveText(`Fabrikam ${unique} created (slug ${slug}).`);
  const row = page.locator(`tr[data-slug="${slug}"]`);
  await expect(row.getByRole('cell', { name: 'No users' })).toBeVisible();

  // Someone of the new entity, signed in elsewhere.
  const person = freshUser('Fay', slug);
  await page.reload();
  await hydrated(page);
  await expect(row.getByRole('link', { name: '1 active' })).toBeVisible();
  const theirs = await signedInBrowser(browser, person.email);

  await row.getByRole('button', { name: 'Rename' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename entity' });
  await rename.getByLabel('Name').fill(`Fabrikam Group ${unique}`);
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByRole('status')).toHaveText(`Renamed to Fabrikam Group ${unique}.`);
  await expect(row.getByRole('link', { name: `Fabrikam Group ${unique}` })).toBeVisible();

  // Suspend asks first; Cancel changes nothing.
  await row.getByRole('button', { name: 'Suspend' }).click();
  const ask = page.getByRole('dialog', { name: 'Suspend' });
  await expect(ask).toContainText('Its 1 active user cannot sign in until it is resumed');
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await expect(row.getByText('Active', { exact: true })).toBeVisible();
  await row.getByRole('button', { name: 'Suspend' }).click();
  await page.getByRole('dialog', { name: 'Suspend' }).getByRole('button', { name: 'Suspend' }).click();
  await expect(page.getByRole('status')).toContainText('is suspended: its people cannot sign in until it is resumed. 1 open session was ended.');
  await expect(row.getByText('Suspended', { exact: true })).toBeVisible();

  // Their next step lands on the sign-in page, and signing in again is refused.
  await theirs.goto('/account');
  await expect(theirs).toHaveURL(/\/sign-in/);
  const signIn = new SignInPage(theirs);
  await signIn.signIn(person.email, DEMO_PASSWORD);
  await signIn.expectError('Wrong email or password.');

  await row.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByRole('status')).toHaveText(`Fabrikam Group ${unique} is active again: its people can sign in.`);
  await signIn.open();
  await signIn.signIn(person.email, DEMO_PASSWORD);
  await expect(theirs.getByRole('banner')).toBeVisible();

  // The entity's name leads to its page: its figures, what happened in it, and links onward.
  await row.getByRole('link', { name: `Fabrikam Group ${unique}` }).click();
  await expect(page).toHaveURL(/\/entities\/[0-9a-f-]+$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Fabrikam Group ${unique}`);
  await hydrated(page);
  const activity = page.getByRole('region', { name: 'Recent activity' });
  await expect(activity).toContainText(`Olivia Operator resumed Fabrikam Group ${unique}`);
  await expect(activity).toContainText(`Olivia Operator suspended Fabrikam Group ${unique}`);
  // Rename on the entity's own page.
  await page.getByRole('button', { name: 'Rename' }).click();
  const again = page.getByRole('dialog', { name: 'Rename entity' });
  await again.getByLabel('Name').fill(`Fabrikam Holdings ${unique}`);
  await again.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByRole('status')).toHaveText(`Renamed to Fabrikam Holdings ${unique}.`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Fabrikam Holdings ${unique}`);
  await page.getByRole('link', { name: '1 active' }).click();
  await expect(page).toHaveURL(/\/users\?entity=/);
  await expect(page.locator('table.directory tbody tr', { hasText: person.email })).toBeVisible();
});
