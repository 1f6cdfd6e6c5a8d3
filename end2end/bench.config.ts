import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `make bench-browser`: how long the directory takes to answer a person, in Chromium, against
// the release build (what `make run` serves) with demo data. Prints figures; asserts none.
export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '*.bench.ts',
  timeout: 300_000,
  workers: 1,
});
