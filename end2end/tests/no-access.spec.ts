import { expect, test } from '@playwright/test';
import { signedInBrowser } from '../fixtures/directory-page';
import { hydrated } from '../fixtures/usher';

test('a member opening an admin page gets a plain "no access" page, without admin controls', async ({ browser }) => {
  const page = await signedInBrowser(browser, 'trader@northwind.test');
  for (const path of ['/users', '/invitations', '/mailbox', '/entities', '/roles', '/audit']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create User' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveCount(0);
    await expect(page.getByRole('searchbox')).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveCount(0);
  }
  await page.getByRole('link', { name: 'Go to My account' }).click();
  await expect(page.getByRole('heading', { name: 'My account' })).toBeVisible();
});

test('an entity admin opening the Mailbox, Entities or Roles gets the same', async ({ browser }) => {
  const page = await signedInBrowser(browser, 'admin@northwind.test');
  for (const path of ['/mailbox', '/entities', '/roles']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
  }
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Entities' })).toHaveCount(0);
});
