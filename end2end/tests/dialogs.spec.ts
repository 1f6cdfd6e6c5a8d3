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
