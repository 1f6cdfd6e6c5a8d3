import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `make screenshots`: the README's pictures, taken from the real app (release build, demo data).
export default defineConfig({
  ...base,
  testDir: './screenshots',
  workers: 1,
});
