import { expect, test } from '@playwright/test';
import { AccountPage } from '../fixtures/account-page';
import { SignInPage } from '../fixtures/sign-in-page';
import { DEMO_PASSWORD, OPERATOR, freshUser } from '../fixtures/usher';

test('the demo operator signs in and lands on the User Directory', async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn(OPERATOR.email, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await new AccountPage(page).expectShown(OPERATOR.name);
  await expect(page.getByText('Platform operators').first()).toBeVisible();
});

test('a wrong password and an unknown email get the same single message', async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn(OPERATOR.email, 'not the password at all');
  await signIn.expectError('Wrong email or password.');
  // What was typed stays in the form.
  await expect(page.getByLabel('Email')).toHaveValue(OPERATOR.email);
  await signIn.signIn('nobody-here@example.test', 'not the password at all');
  await signIn.expectError('Wrong email or password.');
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('signing out ends the session', async ({ page }) => {
  const user = freshUser('Katherine');
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn(user.email, DEMO_PASSWORD);
  const account = new AccountPage(page);
  await account.expectShown(user.name);
  const before = (await page.context().cookies()).find((c) => c.name === 'usher_session');
  expect(before).toBeDefined();
  await account.signOut();
  await signIn.expectShown();
  // The old cookie no longer opens anything, even if a browser kept it.
  await page.context().addCookies([before!]);
  await page.goto('/account');
  await signIn.expectShown();
});

test('the session cookie is HttpOnly and SameSite=Lax', async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn(OPERATOR.email, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/users$/);
  const cookie = (await page.context().cookies()).find((c) => c.name === 'usher_session');
  expect(cookie).toBeDefined();
  expect(cookie!.httpOnly).toBe(true);
  expect(cookie!.sameSite).toBe('Lax');
  expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

test('pages behind sign-in send a signed-out visitor to the sign-in page', async ({ page }) => {
  await page.goto('/account');
  await new SignInPage(page).expectShown();
});

test('a deep link answers 303 to sign-in and leads back there after it, never to another site', async ({ page, request }) => {
  const answer = await request.get('/invitations?status=pending', { maxRedirects: 0 });
  expect(answer.status()).toBe(303);
  expect(answer.headers()['location']).toBe('/sign-in?next=/invitations%3Fstatus%3Dpending');
  await page.goto('/invitations?status=pending');
  const signIn = new SignInPage(page);
  await signIn.expectShown();
  await signIn.signIn(OPERATOR.email, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/invitations\?status=pending$/);
  await expect(page.getByRole('heading', { name: 'Invitations' })).toBeVisible();

  await page.context().clearCookies();
  await page.goto('/sign-in?next=//attacker.example/');
  await signIn.expectShown();
  await signIn.signIn(OPERATOR.email, DEMO_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  expect(new URL(page.url()).host).toBe(new URL(answer.url()).host);
});

test('an account is locked for a while after repeated failures', async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.open();
  const email = `lockout-${Date.now()}@example.test`;
  for (let i = 0; i < 10; i++) {
    await signIn.signIn(email, `wrong password number ${i}`);
    await signIn.expectError('Wrong email or password.');
  }
  await signIn.signIn(email, 'wrong password again');
  await signIn.expectError(/Too many attempts\. Wait \d+ seconds, then try again\./);
});

test('an empty form names what is missing, next to each field', async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.open();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#email-error')).toHaveText('Enter your email.');
  await expect(page.locator('#password-error')).toHaveText('Enter your password.');
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Email').fill(OPERATOR.email);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#email-error')).toHaveText('');
  await expect(page.locator('#password-error')).toHaveText('Enter your password.');
  await expect(page.getByLabel('Email')).toHaveValue(OPERATOR.email);

  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.locator('#email-error')).toHaveText('Enter the email you sign in with.');
  await page.getByLabel('Email').fill('not an address');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.locator('#email-error')).not.toHaveText('');
  await expect(page.getByLabel('Email')).toHaveValue('not an address');
});

test('signing in needs no script: the page loads no WebAssembly and stays small', async ({ browser }) => {
  // With JavaScript off entirely, the form still signs in and leads on.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const loaded: { url: string; bytes: number }[] = [];
  page.on('response', async (response) => {
    const length = Number(response.headers()['content-length'] ?? (await response.body().catch(() => Buffer.alloc(0))).length);
    loaded.push({ url: response.url(), bytes: length });
  });
  await page.goto('/sign-in?next=/account');
  await expect(page.locator('script[src], link[rel="modulepreload"], link[rel="preload"]')).toHaveCount(0);
  expect(loaded.filter((r) => /\.(wasm|js)(\?|$)/.test(r.url))).toEqual([]);
  const total = loaded.reduce((sum, r) => sum + r.bytes, 0);
  expect(total).toBeLessThan(150 * 1024);
  await page.getByLabel('Email').fill(OPERATOR.email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await context.close();
});
