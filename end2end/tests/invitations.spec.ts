import { expect, test, type Browser, type Page } from '@playwright/test';
import { InvitationsPage, linksMailedTo, newestLink, uniqueEmail } from '../fixtures/invitations-page';
import { SignInPage } from '../fixtures/sign-in-page';
import { DEMO_PASSWORD, OPERATOR, ascending, hydrated, parseUtc } from '../fixtures/usher';

const ADMIN = 'admin@northwind.test';
const NEW_PASSWORD = 'seven quiet lanterns over Ålesund';

async function signedIn(page: Page, email: string) {
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn(email, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/(users|account)$/);
  await hydrated(page);
}

/** The accept page in a browser with no session, as the invited person opens it. */
async function openLink(browser: Browser, link: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await hydrated(page);
  return page;
}

test('invite, open the mail in the Mailbox, accept, and be signed in as the new user', async ({ page }) => {
  // Two sign-ins and an accepted invitation (Argon2id each): the slow-test allowance.
  test.slow();
  const email = uniqueEmail('ada');
  await signedIn(page, OPERATOR.email);
  const invitations = new InvitationsPage(page);
  await invitations.open();
  await invitations.invite(email, ['Trader', 'Market Maker'], 'Northwind Trading');
  await expect(page.getByRole('status').filter({ hasText: `Invitation sent to ${email}.` })).toBeVisible();
  await invitations.search(email);
  await expect(invitations.row(email).getByText('pending')).toBeVisible();

  await page.getByRole('link', { name: 'Mailbox' }).click();
  await page.getByRole('button', { name: new RegExp(`To ${email.replace(/[.+]/g, '\\$&')}`) }).click();
  const message = page.getByRole('article', { name: 'Message' });
  await expect(message).toContainText('Olivia Operator invited you to join Northwind Trading');
  await message.getByRole('link', { name: /accept-invitation#token=/ }).click();

  await expect(page.getByRole('heading', { name: 'Join Northwind Trading' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Your name').fill('Ada Newcomer');
  await page.getByLabel('Choose a password').fill('short');
  await page.getByLabel('Repeat the password').fill('short');
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page.locator('#password-error')).toContainText('12');
  await expect(page.getByLabel('Your name')).toHaveValue('Ada Newcomer');

  await page.getByLabel('Choose a password').fill(NEW_PASSWORD);
  await page.getByLabel('Repeat the password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator('.who-name')).toHaveText('Ada Newcomer');
  await expect(page.locator('dd', { hasText: email })).toBeVisible();
});

test('Revoke kills the link; Resend revives the same record with a new link', async ({ page, browser }) => {
  // Several browsers and sign-ins (Argon2id each): give it the slow-test allowance.
  test.slow();
  const email = uniqueEmail('grace');
  await signedIn(page, ADMIN);
  const invitations = new InvitationsPage(page);
  await invitations.open();
  await invitations.invite(email, ['Credit Officer']);
  const first = await newestLink(email);

  await invitations.search(email);
  // Act on the filtered table, not on the one it is about to replace.
  await expect(page.getByText('1 invitation', { exact: true })).toBeVisible();
  await invitations.act(email, 'Revoke');
  await expect(invitations.row(email).getByText('Revoked', { exact: true })).toBeVisible();
  const revoked = await openLink(browser, first);
  await expect(revoked.getByRole('heading', { name: 'This invitation was revoked' })).toBeVisible();

  await invitations.act(email, 'Resend');
  await expect(invitations.row(email).getByText('pending')).toBeVisible();
  await expect(invitations.row(email)).toContainText('2×');
  await expect(page.getByText('1 invitation', { exact: true })).toBeVisible();
  const second = await newestLink(email, 2);
  expect(second).not.toEqual(first);

  const old = await openLink(browser, first);
  await expect(old.getByRole('heading', { name: 'This link does not work' })).toBeVisible();
  const fresh = await openLink(browser, second);
  await expect(fresh.getByRole('heading', { name: 'Join Northwind Trading' })).toBeVisible();
  // The page tells no one where it was opened from.
  const response = await fresh.request.get(second.split('#')[0]);
  expect(response.headers()['referrer-policy']).toBe('no-referrer');
});

test('inviting a pending email again offers Resend instead of a second record', async ({ page }) => {
  const email = uniqueEmail('twice');
  await signedIn(page, ADMIN);
  const invitations = new InvitationsPage(page);
  await invitations.open();
  await invitations.invite(email, ['Trader']);
  await expect(page.getByRole('status').filter({ hasText: `Invitation sent to ${email}.` })).toBeVisible();
  const dialog = await invitations.invite(email.toUpperCase(), ['Trader']);
  await expect(dialog).toContainText('already has a pending invitation');
  await dialog.getByRole('button', { name: 'Resend' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Invitation resent' })).toBeVisible();
  await invitations.search(email);
  await expect(page.getByText('1 invitation', { exact: true })).toBeVisible();
  await expect(invitations.row(email)).toContainText('2×');
});

test('the form keeps what was typed and says what is wrong next to the field', async ({ page }) => {
  await signedIn(page, ADMIN);
  const invitations = new InvitationsPage(page);
  await invitations.open();
  const dialog = await invitations.invite('not-an-email', []);
  await expect(dialog.locator('#email-error')).not.toBeEmpty();
  await expect(dialog.locator('#roles-error')).toHaveText('Choose at least one role.');
  await expect(dialog.getByLabel('Email')).toHaveValue('not-an-email');
  // An entity admin is offered no Admin role, and cannot pick an entity.
  await expect(dialog.getByLabel('Admin', { exact: true })).toHaveCount(0);
  await expect(dialog.getByLabel('Entity')).toHaveCount(0);
  await dialog.getByLabel('Email').fill('theo.trader@example.com');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('operators filter across All entities; the filter lives in the URL', async ({ page }) => {
  await signedIn(page, OPERATOR.email);
  const invitations = new InvitationsPage(page);
  await invitations.open();
  const entities = page.locator('tbody td[data-label="Entity"]');
  await expect(entities.filter({ hasText: 'Northwind Trading' }).first()).toBeVisible();
  await expect(entities.filter({ hasText: 'Contoso Markets' }).first()).toBeVisible();

  await page.getByLabel('Entity').selectOption({ label: 'Contoso Markets' });
  await expect(page).toHaveURL(/entity=/);
  await expect(entities.filter({ hasText: 'Northwind Trading' })).toHaveCount(0);
  await page.getByLabel('Status').selectOption('expired');
  await expect(page).toHaveURL(/status=expired/);
  await expect(page.locator('tbody .badge').first()).toHaveText('Expired');
  await expect(page.locator('tbody .badge').filter({ hasNotText: 'Expired' })).toHaveCount(0);

  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Entity')).toHaveValue(/-/);
  await expect(entities.filter({ hasText: 'Northwind Trading' })).toHaveCount(0);
  // Delete is the operators' own: an expired invitation can be deleted after a confirmation.
  await expect(page.locator('tbody tr').first().getByRole('button', { name: 'Delete' })).toBeVisible();
});

test('an entity admin sees only their own entity and cannot delete', async ({ page }) => {
  await signedIn(page, ADMIN);
  const invitations = new InvitationsPage(page);
  await invitations.open();
  await expect(page.locator('tbody tr').first()).toBeVisible();
  await expect(page.locator('tbody td[data-label="Entity"]').filter({ hasNotText: 'Northwind Trading' })).toHaveCount(0);
  await expect(page.getByLabel('Entity')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Mailbox' })).toHaveCount(0);
});

test('bulk invite from CSV: preview with a bad row, progress, a result per row', async ({ page }) => {
  const [a, b] = [uniqueEmail('bulk.a'), uniqueEmail('bulk.b')];
  await signedIn(page, OPERATOR.email);
  const invitations = new InvitationsPage(page);
  await invitations.open();
  await page.getByRole('button', { name: 'Bulk invite' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bulk invite' });
  await dialog.getByLabel('Or paste the rows').fill(
    `email,roles,entity\n${a},Trader,northwind\n${b},Market Maker;Credit Officer,contoso\nbroken-address,Trader,northwind\ntrader@northwind.test,Trader,northwind\n`,
  );
  await dialog.getByRole('button', { name: 'Check rows' }).click();
  await expect(dialog.locator('tr.bulk-invalid')).toContainText('broken-address');
  await expect(dialog.locator('tr.bulk-user')).toContainText('trader@northwind.test');
  expect(linksMailedTo(a)).toHaveLength(0);
  await dialog.getByRole('button', { name: 'Invite 2 people' }).click();
  await expect(dialog.locator('.tallies')).toContainText('2 invited');
  await expect(dialog.locator('tr.bulk-invalid')).toContainText('broken-address');
  await expect(dialog.locator('tr.bulk-invited')).toHaveCount(2);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await invitations.search(b);
  await expect(invitations.row(b)).toContainText('Contoso Markets');
  await expect(invitations.row(b)).toContainText('Credit Officer');
  await newestLink(b);
});

test("every row's actions fit inside the table, at a laptop's width and a wide screen's", async ({ page }) => {
  await signedIn(page, OPERATOR.email);
  const invitations = new InvitationsPage(page);
  for (const width of [1280, 1440]) {
    await page.setViewportSize({ width, height: 800 });
    await invitations.open();
    await expect(page.locator('tbody tr').first()).toBeVisible();
    const table = (await page.locator('.table-wrap').boundingBox())!;
    const scrolls = await page.locator('.table-wrap').evaluate((e) => e.scrollWidth > e.clientWidth);
    expect(scrolls, `the table scrolls sideways at ${width} px`).toBe(false);
    const buttons = page.locator('tbody td.actions button');
    for (let i = 0; i < (await buttons.count()); i++) {
      const box = (await buttons.nth(i).boundingBox())!;
      expect(box.x + box.width, `an action is cut off at ${width} px`).toBeLessThanOrEqual(table.x + table.width);
    }
  }
});

test('the Sent and Expires headers sort both ways, and the Sort menu follows', async ({ page }) => {
  await signedIn(page, OPERATOR.email);
  const invitations = new InvitationsPage(page);
  await invitations.open();
  const sent = page.getByRole('columnheader', { name: 'Sent' });
  const expires = page.getByRole('columnheader', { name: 'Expires' });
  const sort = page.getByLabel('Sort');
  // Last sent, newest first, is where the table starts.
  await expect(sent).toHaveAttribute('aria-sort', 'descending');
  await expect(expires).toHaveAttribute('aria-sort', 'none');
  await sent.getByRole('button').click();
  await expect(page).toHaveURL(/sort=sent_oldest/);
  await expect(sent).toHaveAttribute('aria-sort', 'ascending');
  await expect(sort).toHaveValue('sent_oldest');
  const expiry = () =>
    page.locator('tbody td[data-label="Expires"]').evaluateAll((cells) => cells.map((c) => c.getAttribute('title') ?? ''));
  await expires.getByRole('button').click();
  await expect(page).toHaveURL(/sort=expires_soonest/);
  await expect(expires).toHaveAttribute('aria-sort', 'ascending');
  await expect(sent).toHaveAttribute('aria-sort', 'none');
  const soonest = (await expiry()).map(parseUtc);
  expect(soonest.length).toBeGreaterThan(1);
  expect(ascending(soonest)).toBe(true);
  await expires.getByRole('button').click();
  await expect(page).toHaveURL(/sort=expires_latest/);
  await expect(expires).toHaveAttribute('aria-sort', 'descending');
  await expect(sort).toHaveValue('expires_latest');
  await expect.poll(async () => (await expiry()).map(parseUtc)[0]).toBeGreaterThan(soonest[0]);
  const latest = (await expiry()).map(parseUtc);
  expect(ascending([...latest].reverse())).toBe(true);
  // By keyboard too: the header is a button.
  await sent.getByRole('button').focus();
  await page.keyboard.press('Enter');
  await expect(sent).toHaveAttribute('aria-sort', 'descending');
  await expect(sort).toHaveValue('');
});
