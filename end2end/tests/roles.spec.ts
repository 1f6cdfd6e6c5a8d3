import { expect, test } from '@playwright/test';
import { signedInBrowser } from '../fixtures/directory-page';
import { OPERATOR, freshUser, hydrated } from '../fixtures/usher';

test('an operator makes a role, a holder uses it, and an edit takes it away at their next click', async ({ browser }) => {
  const unique = Date.now().toString(36);
  const page = await signedInBrowser(browser, OPERATOR.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Roles' }).click();
  await expect(page.getByRole('heading', { name: 'Roles', level: 1 })).toBeVisible();
  await hydrated(page);

  // The matrix: Admin carries user management but not Users.Promote; the business matrix of the seeds.
  const admin = page.locator('table.roles tr[data-key="admin"]');
  await expect(admin.locator('td[data-label="Users.Manage"]')).toContainText('Yes');
  await expect(admin.locator('td[data-label="Users.Promote"]')).toContainText('No');
  await expect(page.locator('table.roles tr[data-key="operator"]').getByRole('button', { name: /Edit/ })).toHaveCount(0);
  const marketMaker = page.locator('table.business tr', { hasText: 'Market Maker' });
  await expect(marketMaker.locator('td[data-label="Excel Add-in"]')).toHaveText('Full access');

  // New role, by keyboard: a taken name is refused next to the field and what was typed stays.
  await page.getByRole('button', { name: 'New role' }).click();
  const dialog = page.getByRole('dialog', { name: 'New role' });
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.type('trader');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Reads the audit trail');
  await dialog.getByRole('checkbox', { name: /Audit\.Read/ }).focus();
  await page.keyboard.press('Space');
  await dialog.getByLabel('Name').focus();
  await page.keyboard.press('Enter');
  await expect(dialog.locator('#name-error')).toHaveText('There is already a role named trader.');
  await expect(dialog.getByLabel('Description')).toHaveValue('Reads the audit trail');
  await expect(dialog.getByRole('checkbox', { name: /Audit\.Read/ })).toBeChecked();
  // Operator-only permissions are not offered.
  await expect(dialog.getByRole('checkbox', { name: /Entities\.Manage/ })).toHaveCount(0);
  const name = `Auditor ${unique}`;
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create role' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('status')).toHaveText(`${name} created.`);
  const key = `auditor_${unique}`;
  const row = page.locator(`table.roles tr[data-key="${key}"]`);
  await expect(row.locator('td[data-label="Audit.Read"]')).toContainText('Yes');
  await expect(row.locator('td[data-label="Held by"]')).toHaveText('0 people');

  // Someone holding it reads the audit log, and nothing else of the console.
  const holder = freshUser('Audrey', 'northwind', key);
  const theirs = await signedInBrowser(browser, holder.email);
  const nav = theirs.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Audit log' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await nav.getByRole('link', { name: 'Audit log' }).click();
  await expect(theirs.getByRole('heading', { name: 'Audit log' })).toBeVisible();

  // Edit says whom it affects and asks before saving.
  await page.reload();
  await hydrated(page);
  await expect(row.locator('td[data-label="Held by"]')).toHaveText('1 person');
  await expect(row.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('dialog', { name: 'Edit role' });
  await expect(edit).toContainText('1 person holds this role');
  await edit.getByRole('checkbox', { name: /Audit\.Read/ }).uncheck();
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit.getByRole('alert').filter({ hasText: 'Save anyway?' })).toBeVisible();
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toHaveCount(0);
  await expect(page.getByRole('status')).toContainText(`${name} saved`);
  await expect(row.locator('td[data-label="Audit.Read"]')).toContainText('No');

  // The holder's next click is refused, without signing in again.
  const response = await theirs.goto('/audit');
  expect(response?.status()).toBe(403);
  await expect(theirs.getByRole('heading', { name: 'No access' })).toBeVisible();
  await expect(theirs.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' })).toHaveCount(0);

  // A role nobody holds can be deleted, after a question.
  await page.getByRole('button', { name: 'New role' }).click();
  const second = page.getByRole('dialog', { name: 'New role' });
  await second.getByLabel('Name').fill(`Temp ${unique}`);
  await second.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByRole('status')).toHaveText(`Temp ${unique} created.`);
  const temp = page.locator(`table.roles tr[data-key="temp_${unique}"]`);
  await temp.getByRole('button', { name: 'Delete' }).click();
  const ask = page.getByRole('dialog', { name: 'Delete' });
  await expect(ask).toContainText(`Delete the role Temp ${unique}?`);
  await ask.getByRole('button', { name: 'Delete role' }).click();
  await expect(page.getByRole('status')).toHaveText(`Temp ${unique} deleted.`);
  await expect(temp).toHaveCount(0);

  // The audit log tells the story.
  await page.goto('/audit?action=role.updated');
  await expect(page.getByText(`Olivia Operator edited the role ${name}`)).toBeVisible();
  await expect(page.getByText('Permissions: Audit.Read → none').first()).toBeVisible();
});
