import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { DirectoryPage, signedInBrowser } from '../fixtures/directory-page';
import { OPERATOR, hydrated } from '../fixtures/usher';

/** axe-core with the WCAG 2.2 AA rules: no serious or critical violation may remain. */
async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`);
  expect(serious, `${what}\n  ${serious.join('\n  ')}`).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme} mode`, () => {
    test.use({ colorScheme: scheme });

    test('signed-out pages', async ({ page }) => {
      for (const path of ['/sign-in', '/forgot-password', '/accept-invitation', '/reset-password', '/no/such/page']) {
        await page.goto(path);
        await expect(page.getByRole('heading').first()).toBeVisible();
        await expectAccessible(page, path);
      }
      // With the messages a failed sign-in shows.
      await page.goto('/sign-in');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.locator('#email-error')).not.toHaveText('');
      await expectAccessible(page, 'sign-in with errors');
    });

    test('the console as an operator: screens, dialogs and menus', async ({ browser }) => {
      const page = await signedInBrowser(browser, OPERATOR.email);
      await page.emulateMedia({ colorScheme: scheme });
      const directory = new DirectoryPage(page);
      await directory.open();
      await expect(directory.rows().first()).toBeVisible();
      await expectAccessible(page, '/users');
      await directory.rows().first().getByRole('button', { name: /^Actions for / }).click();
      await expect(page.getByRole('menu').first()).toBeVisible();
      await expectAccessible(page, '/users with a row menu open');
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Create User' }).click();
      await expect(page.getByRole('dialog', { name: 'Create User' })).toBeVisible();
      await expectAccessible(page, 'Create User dialog');
      await page.keyboard.press('Escape');

      await directory.rows().first().getByRole('link').first().click();
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await hydrated(page);
      await expectAccessible(page, 'a user page');

      for (const path of ['/invitations', '/entities', '/roles', '/audit', '/mailbox', '/account']) {
        await page.goto(path);
        await hydrated(page);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        await expectAccessible(page, path);
      }
      await page.goto('/invitations');
      await hydrated(page);
      await page.getByRole('button', { name: 'Invite User' }).click();
      await expect(page.getByRole('dialog', { name: 'Invite User' })).toBeVisible();
      await expectAccessible(page, 'Invite User dialog');
      await page.goto('/entities');
      await hydrated(page);
      await page.getByRole('button', { name: 'New entity' }).click();
      await expect(page.getByRole('dialog', { name: 'New entity' })).toBeVisible();
      await expectAccessible(page, 'New entity dialog');
      await page.keyboard.press('Escape');
      await page.locator('table.entities tbody tr td a').first().click();
      await expect(page.getByRole('region', { name: 'Recent activity' })).toBeVisible();
      await hydrated(page);
      await expectAccessible(page, 'an entity page');
      await page.goto('/roles');
      await hydrated(page);
      await page.getByRole('button', { name: 'New role' }).click();
      await expect(page.getByRole('dialog', { name: 'New role' })).toBeVisible();
      await expectAccessible(page, 'New role dialog');
    });

    test('a member sees the no-access page', async ({ browser }) => {
      const page = await signedInBrowser(browser, 'trader@northwind.test');
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto('/users');
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expectAccessible(page, 'no access');
    });
  });
}
