import { expect, test } from '@playwright/test';

test('an unknown address shows the 404 page', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'This page does not exist' })).toBeVisible();
});

test('pages carry a nonce-based content security policy and framing is refused', async ({ page }) => {
  const response = await page.goto('/sign-in');
  const headers = response!.headers();
  expect(headers['content-security-policy']).toMatch(/script-src 'nonce-[A-Za-z0-9+/=_-]+' 'strict-dynamic'/);
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['x-content-type-options']).toBe('nosniff');
});

test("every page's scripts carry the nonce its policy names", async ({ request }) => {
  for (let i = 0; i < 20; i++) {
    const response = await request.get('/accept-invitation');
    const nonce = /'nonce-([^']+)'/.exec(response.headers()['content-security-policy'])?.[1];
    expect(nonce).toBeTruthy();
    const html = await response.text();
    const scriptNonces = [...html.matchAll(/<script[^>]* nonce="([^"]+)"/g)].map((m) => m[1]);
    expect(scriptNonces.length).toBeGreaterThan(0);
    expect(new Set(scriptNonces)).toEqual(new Set([nonce]));
  }
});

test('a state-changing request from another site is refused', async ({ request, baseURL }) => {
  const response = await request.post(`${baseURL}/api/sign_in`, {
    headers: { Origin: 'https://evil.example', Cookie: 'usher_session=anything' },
    form: { email: 'operator@usher.test', password: 'usher demo password' },
  });
  expect(response.status()).toBe(403);
});

test('signing in again in the same browser ends the previous session', async ({ playwright, baseURL }) => {
  const headers = { Origin: baseURL!, Accept: 'application/json' };
  const browserLike = await playwright.request.newContext({ baseURL });
  const signIn = (email: string) =>
    browserLike.post('/api/sign_in', { headers, form: { email, password: 'usher demo password' } });
  expect((await signIn('operator@usher.test')).status()).toBe(200);
  const first = (await browserLike.storageState()).cookies.find((c) => c.name === 'usher_session')!.value;
  expect((await signIn('admin@northwind.test')).status()).toBe(200);

  const stranger = await playwright.request.newContext({ baseURL });
  const me = await stranger.post('/api/current_user', { headers: { ...headers, Cookie: `usher_session=${first}` } });
  expect(await me.json()).toBeNull();
  const current = await browserLike.post('/api/current_user', { headers });
  expect((await current.json()).email).toBe('admin@northwind.test');
});

test('the bundle is named by its content, precompressed at build time and kept for a year', async ({ request }) => {
  const html = await (await request.get('/accept-invitation')).text();
  const names = [...html.matchAll(/\/pkg\/usher\.[A-Za-z0-9_-]+\.(js|wasm|css)/g)].map((m) => m[0]);
  expect(new Set(names.map((n) => n.split('.').pop()))).toEqual(new Set(['js', 'wasm', 'css']));
  for (const name of new Set(names)) {
    const brotli = await request.get(name, { headers: { 'Accept-Encoding': 'br' } });
    expect(brotli.status(), name).toBe(200);
    expect(brotli.headers()['content-encoding'], name).toBe('br');
    expect(brotli.headers()['cache-control'], name).toBe('public, max-age=31536000, immutable');
    const gzip = await request.get(name, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzip.headers()['content-encoding'], name).toBe('gzip');
    expect((await gzip.body()).length).toBe((await brotli.body()).length);
  }
});
