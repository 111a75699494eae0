// Checks a `pmeta lineage NAME --format url` link for real: opens it in
// headless Chromium, logs in (NEO4J_USERNAME / NEO4J_PASSWORD from the
// environment), runs what the editor holds, and writes OUT-connected.png and
// OUT-ran.png; prints the page's text.
//   apt-get install chromium; npm install playwright-core (then NODE_PATH=<that>/node_modules)
//   node bench/fork/browser-shot.js "$(pmeta lineage proc_004_v_000 --format url)" /tmp/lineage
const { chromium } = require('playwright-core');
(async () => {
  const [url, out] = process.argv.slice(2);
  const password = process.env.NEO4J_PASSWORD;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  await page.goto(url);
  await page.waitForSelector('input[data-testid="password"]', { timeout: 30000 });
  const user = await page.$('input[data-testid="username"]');
  if (user && !(await user.inputValue())) await user.fill(process.env.NEO4J_USERNAME || 'neo4j');
  await page.fill('input[data-testid="password"]', password);
  await page.click('button[data-testid="connect"]');
  await page.waitForTimeout(3000);
  await page.screenshot({ path: out + '-connected.png' });
  // run what the editor holds
  await page.click('[data-testid="editor-Run"]');
  await page.waitForTimeout(5000);
  await page.screenshot({ path: out + '-ran.png' });
  const text = await page.evaluate(() => document.body.innerText);
  console.log(text.slice(0, 3000));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
