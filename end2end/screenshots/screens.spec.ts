import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DirectoryPage, signedInBrowser } from '../fixtures/directory-page';
import { OPERATOR, hydrated } from '../fixtures/usher';

// Written where the README shows them from.
const dir = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');

async function shoot(page: Page, name: string) {
  // No caret or hover state in a picture.
  await page.mouse.move(0, 0);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`the main screens, ${scheme}`, async ({ browser }) => {
    test.slow();
    const signInContext = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
    const signIn = await signInContext.newPage();
    await signIn.goto('/sign-in');
    await shoot(signIn, `sign-in-${scheme}`);

    const page = await signedInBrowser(browser, OPERATOR.email);
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 1280, height: 800 });
    const directory = new DirectoryPage(page);
    await directory.open();
    await expect(directory.rows().first()).toBeVisible();
    await shoot(page, `directory-${scheme}`);

    await directory.rows().first().getByRole('button', { name: /^Actions for / }).click();
    await expect(directory.rows().first().getByRole('menu')).toBeVisible();
    await page.screenshot({ path: path.join(dir, `row-menu-${scheme}.png`) });
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Create User' }).click();
    await expect(page.getByRole('dialog', { name: 'Create User' })).toBeVisible();
    await shoot(page, `create-user-${scheme}`);
    await page.keyboard.press('Escape');

    await directory.rows().first().getByRole('link').first().click();
    await expect(page.getByRole('region', { name: 'Sessions' })).toBeVisible();
    await shoot(page, `user-page-${scheme}`);

    await page.goto('/invitations');
    await hydrated(page);
    await expect(page.locator('tbody tr').first()).toBeVisible();
    await shoot(page, `invitations-${scheme}`);

    await page.goto('/entities');
    await hydrated(page);
    await expect(page.locator('tbody tr').first()).toBeVisible();
    await shoot(page, `entities-${scheme}`);

    await page.goto('/roles');
    await hydrated(page);
    await expect(page.locator('table.roles tbody tr').first()).toBeVisible();
    await shoot(page, `roles-${scheme}`);

    await page.goto('/audit');
    await hydrated(page);
    await expect(page.locator('.audit-trail > li').first()).toBeVisible();
    await shoot(page, `audit-log-${scheme}`);

    await page.setViewportSize({ width: 390, height: 844 });
    await directory.open();
    await expect(directory.rows().first()).toBeVisible();
    await shoot(page, `directory-phone-${scheme}`);
  });
}
