// Waits until the server answers before any test starts (cargo-leptos and Playwright may start
// together; the webServer check covers the usual path, this covers a server started elsewhere).
export default async function globalSetup() {
  const port = process.env.E2E_PORT ?? '3100';
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Usher did not answer on port ${port} within 120 s`);
}
