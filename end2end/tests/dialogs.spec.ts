import { expect, test } from '@playwright/test';
import { DirectoryPage, signedInBrowser } from '../fixtures/directory-page';
import { OPERATOR } from '../fixtures/usher';

test('a dialog holds the focus, gives it back, and asks before a backdrop click discards typing', async ({ browser }) => {
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  await directory.open();
  const opener = page.getByRole('button', { name: 'Create User' });
  await opener.click();
  const dialog = page.getByRole('dialog', { name: 'Create User' });
  await expect(dialog).toBeVisible();
  // Focus starts in the dialog and Tab never leaves it, however far it goes.
  await expect(dialog.locator(':focus')).toHaveCount(1);
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const inside = await page.evaluate(() => !!document.activeElement?.closest('dialog'));
    expect(inside, `focus left the dialog after ${i + 1} Tab presses`).toBe(true);
  }
  // Escape closes it and the focus returns to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(opener).toBeFocused();

  // A click on the backdrop closes an untouched dialog at once…
  await opener.click();
  await expect(dialog).toBeVisible();
  await page.mouse.click(5, 5);
  await expect(dialog).toHaveCount(0);
  // …but asks first once something is typed, and keeps it when the answer is no.
  await opener.click();
  await dialog.getByLabel('Name').fill('Half Typed');
  page.once('dialog', (question) => question.dismiss());
  await page.mouse.click(5, 5);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Name')).toHaveValue('Half Typed');
  page.once('dialog', (question) => question.accept());
  await page.mouse.click(5, 5);
  await expect(dialog).toHaveCount(0);
});

test('a row menu floats whole above the table and follows the menu-button keys', async ({ browser }) => {
  const page = await signedInBrowser(browser, OPERATOR.email);
  const directory = new DirectoryPage(page);
  await directory.open();
  const menuOf = (row: ReturnType<DirectoryPage['rows']>) => row.getByRole('menu');
  const within = async (row: ReturnType<DirectoryPage['rows']>) => {
    const box = await menuOf(row).boundingBox();
    const size = page.viewportSize()!;
    expect(box, 'the menu is shown').not.toBeNull();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height).toBeLessThanOrEqual(size.height);
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(size.width);
    // Beside its own button (just above or below it), not somewhere else on the page.
    const at = (await row.getByRole('button', { name: /^Actions for / }).boundingBox())!;
    const gap = Math.min(Math.abs(box!.y - (at.y + at.height)), Math.abs(at.y - (box!.y + box!.height)));
    expect(gap, 'menu next to its button').toBeLessThanOrEqual(8);
    // Lined up with the button's right edge, or moved in just far enough to stay on screen.
    expect(box!.x <= at.x + at.width && box!.x + box!.width >= at.x, 'menu under the button').toBe(true);
  };
  // The last row's menu opens above its button when the window has no room below, whole.
  for (const size of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(size);
    const last = directory.rows().last();
    await last.getByRole('button', { name: /^Actions for / }).click();
    await expect(menuOf(last)).toBeVisible();
    await within(last);
    // A click outside closes it (here in the page's empty margin).
    await page.mouse.click(4, size.height / 2);
    await expect(menuOf(last)).toBeHidden();
    // So does scrolling: it never floats away from its button.
    await last.getByRole('button', { name: /^Actions for / }).click();
    await expect(menuOf(last)).toBeVisible();
    await page.mouse.wheel(0, -300);
    await expect(menuOf(last)).toBeHidden();
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // Keyboard: ArrowDown opens on the first item, arrows walk and wrap, Escape returns.
  const first = directory.rows().first();
  const button = first.getByRole('button', { name: /^Actions for / });
  await button.focus();
  await page.keyboard.press('ArrowDown');
  const items = menuOf(first).getByRole('menuitem');
  await expect(items.first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(items.nth(1)).toBeFocused();
  await page.keyboard.press('End');
  await expect(items.last()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(items.first()).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(items.last()).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menuOf(first)).toBeHidden();
  await expect(button).toBeFocused();
  // Enter on the button opens it too; Tab closes it and leaves the focus on the button.
  await page.keyboard.press('Enter');
  await expect(items.first()).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(menuOf(first)).toBeHidden();
  await expect(button).toBeFocused();
});
