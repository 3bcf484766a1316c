/**
 * The web UI in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core):
 * upload a photo and see the caption and results, drag and drop, run a text query, the empty and
 * error states, the index progress bar, keyboard tabs and phone width. Screenshots are written to
 * test-artifacts/gateway/ (gitignored). Skipped, saying so, where no Chromium is installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { status } from '@grpc/grpc-js';
import { REPO_ROOT, processEnv } from '@tit/kit';
import { chromium, type Browser, type Page } from 'playwright-core';
import { colourImage } from './support/dataset';
import { startHarness, type Harness } from './support/harness';

// Browser globals used inside page.evaluate() callbacks (this project compiles without the DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const DataTransfer: any;
declare const DragEvent: any;
declare const Event: any;
/* eslint-enable @typescript-eslint/no-explicit-any */
interface InputLike {
  value: string;
  dispatchEvent(e: unknown): boolean;
}

const CHROMIUM = processEnv().CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'gateway');
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

if (!HAS_CHROMIUM) {
  console.warn(`browser tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
}
const describeBrowser = HAS_CHROMIUM ? describe : describe.skip;

describeBrowser('web UI in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness({ queue: true });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  beforeEach(async () => {
    h.fakes.reset();
    await h.queue!.obliterate({ force: true });
  });

  async function open(viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    page.on('pageerror', (err) => {
      throw err;
    });
    await page.goto(`${base}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  test('image -> text: upload a photo, see its caption and the similar images with scores', async () => {
    const page = await open();
    // A slow captioner, so the loading state can be seen.
    h.fakes.fail('captioner', 'Caption', { delayMs: 700, times: 1 });
    await page.setInputFiles('#image-input', { name: 'red.jpg', mimeType: 'image/jpeg', buffer: await colourImage([230, 20, 20], 'jpeg', 320, 240) });
    await page.locator('#image-status.loading').filter({ hasText: 'Describing your photo' }).waitFor();
    expect(await page.locator('#image-results').getAttribute('aria-busy')).toBe('true');
    expect(await page.locator('#image-submit').isDisabled()).toBe(true);
    await page.locator('#caption').filter({ hasText: 'a red ball on the grass' }).waitFor();
    expect(await page.locator('#image-status').getAttribute('class')).not.toContain('loading');
    await expectVisible(page, '#image-preview');
    const cards = page.locator('#image-results .result');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThan(0);
    expect(await cards.count()).toBeLessThanOrEqual(6);
    expect(await cards.first().getAttribute('data-image-id')).toBe('red_1');
    expect(await cards.first().innerText()).toMatch(/similarity 1\.00[\s\S]*BLEU 0\.85/);
    // Thumbnails really load through /v1/images/:id?size=256.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#image-results img')].slice(0, 2).every((i: { complete: boolean; naturalWidth: number }) => i.complete && i.naturalWidth > 0),
    );
    expect(await page.locator('#image-status').innerText()).toMatch(/similar image/);
    await shot(page, 'image-to-text');
    await page.close();
  }, 60_000);

  test('image -> text: drag and drop a photo onto the drop zone', async () => {
    const page = await open();
    const b64 = (await colourImage([20, 30, 230], 'png')).toString('base64');
    await page.evaluate((data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'blue.png', { type: 'image/png' }));
      const zone = document.getElementById('dropzone');
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, b64);
    await page.locator('#caption').filter({ hasText: 'a blue ball on the grass' }).waitFor();
    // The fake ranks by shared words: "ball" and "grass" (red_1) beat "blue" (blue_1).
    await page.locator('#image-results .result').first().waitFor();
    expect(await page.locator('#image-results .result').first().getAttribute('data-image-id')).toBe('red_1');
    expect(await page.locator('#image-preview').getAttribute('alt')).toBe('Your photo: blue.png');
    await page.close();
  }, 60_000);

  test('text -> image: query with threshold, mode and k; empty and error states', async () => {
    const page = await open();
    await page.getByRole('tab', { name: 'Text → image' }).click();
    await page.getByLabel('Describe what you are looking for').fill('red ball on the grass');
    await setRange(page, '#text-threshold', '0.1');
    expect(await page.locator('#threshold-out').innerText()).toBe('0.10');
    await page.getByLabel('Results').last().fill('3');
    await page.getByLabel('Describe what you are looking for').press('Enter');
    const cards = page.locator('#text-results .result');
    await cards.first().waitFor();
    expect(await cards.count()).toBeLessThanOrEqual(3);
    expect(await cards.first().getAttribute('data-image-id')).toBe('red_1');
    expect(await cards.first().innerText()).not.toContain('BLEU');
    await shot(page, 'text-to-image');

    // Nothing above the threshold: a clear empty state, no cards.
    await page.getByLabel('Describe what you are looking for').fill('submarine volcano');
    await setRange(page, '#text-threshold', '0.9');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#text-empty').filter({ hasText: 'Nothing scored above the threshold 0.90' }).waitFor();
    expect(await cards.count()).toBe(0);
    await shot(page, 'text-to-image-empty');

    // A downstream outage: the problem's detail, the retry hint and the request id are shown.
    h.fakes.fail('search', 'Query', { code: status.UNAVAILABLE });
    await page.getByRole('button', { name: 'Search' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'unavailable' });
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/Try again in 2 s\. \(request id [0-9a-f-]{36}\)/);
    await shot(page, 'text-to-image-error');
    await page.close();
  }, 60_000);

  test('index tab: served generation and a progress bar while a re-index runs', async () => {
    const { jobId } = (await h.app.inject({ method: 'POST', url: '/v1/index' })).json();
    await (await h.queue!.getJob(jobId))!.updateProgress({ done: 12, total: 40, skipped: 0, phase: 'embedding' });
    const page = await open();
    await page.keyboard.press('Tab'); // skip link
    await page.getByRole('tab', { name: 'Image → text' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Index' }).getAttribute('aria-selected')).toBe('true');
    await page.locator('#index-details').filter({ hasText: 'gen-0001' }).waitFor();
    await page.locator('#index-progress-label').filter({ hasText: '12 / 40' }).waitFor();
    expect(await page.locator('#index-progress').evaluate((p: { value: number; max: number }) => [p.value, p.max])).toEqual([12, 40]);
    await shot(page, 'index-status');
    await page.close();
  }, 60_000);

  test('phone width: no horizontal scrolling, results still usable', async () => {
    const page = await open({ width: 375, height: 740 });
    await page.setInputFiles('#image-input', { name: 'green.png', mimeType: 'image/png', buffer: await colourImage([20, 220, 20], 'png') });
    await page.locator('#image-results .result').first().waitFor();
    const [scrollWidth, clientWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await shot(page, 'phone-image-to-text');
    await page.close();
  }, 60_000);
});

async function expectVisible(page: Page, selector: string): Promise<void> {
  expect(await page.locator(selector).isVisible()).toBe(true);
}

/** Range inputs cannot be typed into; set the value as a user drag would and fire `input`. */
async function setRange(page: Page, selector: string, value: string): Promise<void> {
  await page.locator(selector).evaluate((el: InputLike, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}
