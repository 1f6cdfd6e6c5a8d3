import { expect, test, type Page } from '@playwright/test';
import { DirectoryPage, signedInBrowser } from '../fixtures/directory-page';
import { OPERATOR, hydrated } from '../fixtures/usher';

/** Nothing wider than the phone: the page never scrolls sideways. */
async function expectNoSidewaysScroll(page: Page, what: string) {
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    window: window.innerWidth,
    widest: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`),
  }));
  expect(widths.page, `${what} is ${widths.page} px wide at ${widths.window} px: ${widths.widest.join(', ')}`).toBeLessThanOrEqual(widths.window);
}

test.use({ viewport: { width: 390, height: 844 } });

test('signed-out pages fit a phone', async ({ page }) => {
  for (const path of ['/sign-in', '/forgot-password', '/accept-invitation', '/reset-password']) {
    await page.goto(path);
    await expect(page.getByRole('heading').first()).toBeVisible();
    await expectNoSidewaysScroll(page, path);
  }
});

test('every console screen fits a phone, with every action in reach', async ({ browser }) => {
  const page = await signedInBrowser(browser, OPERATOR.email);
  await page.setViewportSize({ width: 390, height: 844 });
  const directory = new DirectoryPage(page);
  await directory.open();
  await expect(directory.rows().first()).toBeVisible();
  await expectNoSidewaysScroll(page, '/users');
  for (const name of ['Export CSV', 'Invitations', 'Create User']) {
    await expect(page.getByRole('main').getByRole(name === 'Create User' ? 'button' : 'link', { name })).toBeInViewport();
  }
  await page.getByRole('button', { name: 'Create User' }).click();
  await expect(page.getByRole('dialog', { name: 'Create User' })).toBeVisible();
  await expectNoSidewaysScroll(page, 'Create User');
  await page.keyboard.press('Escape');

  await directory.rows().first().getByRole('link').first().click();
  await expect(page.getByRole('region', { name: 'Sessions' })).toBeVisible();
  await hydrated(page);
  await expectNoSidewaysScroll(page, 'a user page');
  // Each of the page's actions can be reached (scrolled to) and is inside the window.
  const actions = page.locator('.page-head button, .page-head a.button');
  for (let i = 0; i < (await actions.count()); i++) {
    await actions.nth(i).scrollIntoViewIfNeeded();
    await expect(actions.nth(i)).toBeInViewport();
  }

  for (const path of ['/invitations', '/entities', '/roles', '/audit', '/mailbox', '/account']) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expectNoSidewaysScroll(page, path);
  }
  await page.goto('/invitations');
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite User' }).click();
  await expect(page.getByRole('dialog', { name: 'Invite User' })).toBeVisible();
  await expectNoSidewaysScroll(page, 'Invite User');
});
