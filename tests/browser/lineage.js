// Neo4j Browser, for real: opens a `pmeta lineage NAME --format url` link in
// Debian's chromium (playwright-core, no browser download), logs in, runs the
// query the link put in the editor, applies cypher/pmeta.grass with `:style`,
// and reads back from the page's SVG the caption drawn in each node.
//
//   node tests/browser/lineage.js URL GRASS [SCREENSHOT.png]
//
// NEO4J_USERNAME and NEO4J_PASSWORD log in; CHROMIUM (default
// /usr/bin/chromium) is the browser. Prints one JSON object:
//   {"browser": "<chromium version>", "captions": ["proc_004 v_001", ...],
//    "nodes": N, "warnings": N}
// ("captions": the text lines of each node joined by a space, as drawn after
// the style; "warnings": notifications the Browser shows for the query).
// Exit 1 with a message on stderr when a step fails; every wait is bounded,
// and the whole run is stopped after 90 s.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [url, grassFile, shot] = process.argv.slice(2);
if (!url || !grassFile) {
  console.error('usage: node lineage.js URL GRASS [SCREENSHOT.png]');
  process.exit(2);
}
const STEP_MS = 30000;
const watchdog = setTimeout(() => { console.error('error: gave up after 90 s'); process.exit(1); }, 90000);

// The launch flags known to work on this kind of machine (no network but
// loopback: without the background-networking flags chromium keeps trying).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];

// The node captions as drawn: each g.node's text lines, in order.
function drawnCaptions() {
  return [...document.querySelectorAll('svg g.node')].map(g =>
    [...g.querySelectorAll('text')].map(t => t.textContent.trim()).filter(s => s).join(' '));
}

async function editorRun(page, text) {
  // The Browser's editor (Monaco): replace its text, then press its run button.
  const editor = page.locator('[data-testid="activeEditor"] .monaco-editor, #monaco-main-editor').first();
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.click('[data-testid="editor-Run"]');
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pmeta-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 },
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    await page.goto(url);
    // The link fills the connect form (bolt URL, user): only the password is ours.
    await page.waitForSelector('input[data-testid="password"]');
    const user = page.locator('input[data-testid="username"]');
    if (!(await user.inputValue())) await user.fill(process.env.NEO4J_USERNAME || 'neo4j');
    await page.fill('input[data-testid="password"]', process.env.NEO4J_PASSWORD || '');
    await page.click('button[data-testid="connect"]');
    await page.waitForSelector('[data-testid="editor-Run"]');
    // Connected: the editor holds the lineage query the link carried.
    await page.waitForFunction(() => !document.querySelector('input[data-testid="password"]'));
    await page.click('[data-testid="editor-Run"]');
    await page.waitForFunction(() => document.querySelectorAll('svg g.node').length > 0);
    // A notification (a deprecation, say) puts a "Warn" tab in the frame's sidebar.
    const warnings = await page.evaluate(() => document.querySelectorAll('.sl-alert').length);
    // The style: `:style` followed by the grass, on one line; Browser answers
    // in a frame of its own and draws the graph again with it.
    const grass = fs.readFileSync(grassFile, 'utf8').replace(/\s+/g, ' ').trim();
    const frames = await page.locator('[data-testid="frame"]').count();
    await editorRun(page, ':style ' + grass);
    await page.waitForFunction(n => document.querySelectorAll('[data-testid="frame"]').length > n, frames);
    // The graph's layout settles within a second or two.
    await page.waitForTimeout(2000);
    const captions = await page.evaluate(drawnCaptions);
    const nodes = await page.evaluate(() => document.querySelectorAll('svg g.node').length);
    if (shot) {
      // The graph frame alone: the lineage as a person sees it.
      // (the frame in full screen, the graph fitted to it, as a reader would look).
      const frame = page.locator('[data-testid="frame"]').filter({ has: page.locator('svg g.node') }).first();
      await frame.locator('[title^="Fullscreen"]').first().click();
      await page.waitForTimeout(500);
      await frame.locator('[aria-label="zoom-to-fit"]').click();
      await page.waitForTimeout(1000);
      await frame.screenshot({ path: shot });
    }
    const version = context.browser() ? context.browser().version() : '';
    console.log(JSON.stringify({ browser: version, captions: captions.sort(), nodes, warnings }));
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
})().catch(e => { console.error('error: ' + (e && e.message ? e.message : e)); process.exit(1); });
