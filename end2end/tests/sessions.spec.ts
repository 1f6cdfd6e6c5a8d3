import { expect, test } from '@playwright/test';
import { AccountPage } from '../fixtures/account-page';
import { SignInPage } from '../fixtures/sign-in-page';
import { DEMO_PASSWORD, freshUser, hydrated, usherCli } from '../fixtures/usher';

test("a deactivated user's open session is rejected on its next navigation", async ({ page }) => {
  const user = freshUser('Grace');
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn(user.email, DEMO_PASSWORD);
  const account = new AccountPage(page);
  await account.expectShown(user.name);

  usherCli('set-status', '--email', user.email, '--status', 'inactive');

  await account.navigateHome();
  await signIn.expectShown();
  // And the account cannot sign in again.
  await signIn.signIn(user.email, DEMO_PASSWORD);
  await signIn.expectError('Wrong email or password.');
});

test('changing my password keeps this session and ends the others', async ({ browser }) => {
  // Several browsers and sign-ins (Argon2id each): give it the slow-test allowance.
  test.slow();
  const user = freshUser('Alan');
  const first = await browser.newPage();
  const second = await browser.newPage();
  for (const page of [first, second]) {
    const signIn = new SignInPage(page);
    await signIn.open();
    await signIn.signIn(user.email, DEMO_PASSWORD);
    await new AccountPage(page).expectShown(user.name);
  }
  const account = new AccountPage(first);
  // Read again now that both browsers are signed in.
  await first.reload();
  await hydrated(first);
  const sessions = account.sessionRows();
  await expect(sessions).toHaveCount(3); // header + both browsers

  await account.changePassword('wrong current password', 'a brand new passphrase');
  await expect(first.getByText('This is not your current password.')).toBeVisible();
  await account.changePassword(DEMO_PASSWORD, 'short');
  await expect(first.getByText(/Use at least 12 characters/)).toBeVisible();
  await account.changePassword(DEMO_PASSWORD, 'a brand new passphrase', 'a different passphrase');
  await expect(first.getByText('The two new passwords do not match.')).toBeVisible();

  await account.changePassword(DEMO_PASSWORD, 'a brand new passphrase');
  await expect(first.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();
  // The session the change ended leaves the list at once, without a reload.
  await expect(sessions).toHaveCount(2);

  await new AccountPage(second).navigateHome();
  await new SignInPage(second).expectShown();
  await first.reload();
  await account.expectShown(user.name);

  const again = await browser.newPage();
  const signIn = new SignInPage(again);
  await signIn.open();
  await signIn.signIn(user.email, 'a brand new passphrase');
  await new AccountPage(again).expectShown(user.name);
});

test('I can end one of my other sessions from My sessions', async ({ browser }) => {
  const user = freshUser('Barbara');
  const here = await browser.newPage();
  const elsewhere = await browser.newPage();
  for (const page of [elsewhere, here]) {
    const signIn = new SignInPage(page);
    await signIn.open();
    await signIn.signIn(user.email, DEMO_PASSWORD);
    await new AccountPage(page).expectShown(user.name);
  }
  const account = new AccountPage(here);
  const rows = account.sessionRows();
  await expect(rows).toHaveCount(3); // header + two sessions
  await expect(here.getByText('This browser')).toBeVisible();

  await here.getByRole('button', { name: 'End session' }).click();
  await here.getByRole('dialog', { name: 'End session' }).getByRole('button', { name: 'End session', exact: true }).click();
  await expect(rows).toHaveCount(2);

  await new AccountPage(elsewhere).navigateHome();
  await new SignInPage(elsewhere).expectShown();
});
