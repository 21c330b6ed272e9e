// Browser test: the network admin as an operator uses it, in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core; no browser download, no network beyond the
// stack's loopback address). Needs E2E_STACK_ENV (tests/e2e/run.sh). Screenshots go to
// E2E_ARTIFACTS (default tests/artifacts/e2e).
//
// Story: log in -> Settings -> RunCloud -> enable the integration -> Test Connection (success,
// then with RunCloud refusing the token) -> create a site and map a custom domain to it in
// core's Sites screen -> run the queue -> the status table shows the domain in RunCloud and
// HTTPS live -> a second domain mapped before its DNS points at the server waits ("waiting for
// DNS", not added, the first keeps its certificate) -> its DNS is fixed -> it is added and
// reaches HTTPS live within one check.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const envFile = process.env.E2E_STACK_ENV;
if (!envFile) { console.error('E2E_STACK_ENV is not set: run through tests/e2e/run.sh'); process.exit(1); }
const env = Object.fromEntries(readFileSync(envFile, 'utf8').split('\n')
  .map((l) => l.match(/^([A-Z_]+)='(.*)'$/)).filter(Boolean).map((m) => [m[1], m[2]]));
const artifacts = process.env.E2E_ARTIFACTS || join(here, '..', 'artifacts', 'e2e');
mkdirSync(artifacts, { recursive: true });

const base = env.STACK_URL;
const domain = env.STACK_DOMAIN;
const sim = env.STACK_SIM_URL;
const mapped = 'shop-e2e-mapped.test';
const early = 'early-e2e-mapped.test';
const settingsUrl = `${base}/wp-admin/network/settings.php?page=wu-runcloud`;

let passed = 0, failed = 0, shot = 0;
const check = (ok, what, detail = '') => {
  if (ok) { passed++; console.log(`ok    ${what}`); }
  else { failed++; console.log(`FAIL  ${what}${detail ? `\n      ${detail}` : ''}`); }
  return ok;
};

async function simCall(method, path, body) {
  const r = await fetch(sim + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(`simulator ${method} ${path}: HTTP ${r.status}`);
  const t = await r.text();
  return t ? JSON.parse(t) : null;
}

const profile = mkdtempSync(join(tmpdir(), 'wu-e2e-chromium-'));
const hostRules = [`MAP ${domain} ${env.STACK_ADDR}`, `MAP *.${domain} ${env.STACK_ADDR}`, `MAP ${mapped} ${env.STACK_ADDR}`, `MAP ${early} ${env.STACK_ADDR}`, 'MAP * ~NOTFOUND'].join(', ');
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--host-resolver-rules=${hostRules}`],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000);
  const snap = async (name) => { shot++; await page.screenshot({ path: join(artifacts, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true }); };
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  await simCall('POST', '/_sim/reset');

  // 1. Log in to the network admin.
  await page.goto(`${base}/wp-login.php`);
  await page.fill('#user_login', env.STACK_ADMIN_USER);
  await page.fill('#user_pass', env.STACK_ADMIN_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('#wp-submit')]);
  check(await page.locator('#wpadminbar').count() === 1, 'logging in as the network admin reaches wp-admin', `landed on ${page.url()}`);

  // 2. Settings -> RunCloud, reached through the Settings menu.
  await page.goto(`${base}/wp-admin/network/settings.php`);
  const menuLink = page.locator('#menu-settings a[href*="page=wu-runcloud"]');
  check(await menuLink.count() === 1, 'the network Settings menu has a RunCloud entry');
  await Promise.all([page.waitForNavigation(), menuLink.first().click()]);
  const h1 = (await page.locator('.wrap.wu-runcloud h1').first().textContent() || '').trim();
  check(h1 === 'RunCloud', 'Settings -> RunCloud opens the plugin page', `h1 was "${h1}" at ${page.url()}`);
  const extRow = await page.locator('.wu-runcloud tr', { hasText: 'PHP extension' }).textContent();
  check(/loaded/.test(extRow) && !/missing/.test(extRow), 'the page says the PHP extension is loaded in php-fpm', `row: ${extRow.trim()}`);
  const html = await page.content();
  check(!html.includes('sim-token') && !html.includes('sim-secret'), 'the page never shows a credential');
  await snap('settings-page');

  // 3. Toggle the integration on (and check that it reads back).
  const toggle = page.locator('form:has(input[name="action"][value="wu_runcloud_toggle"])');
  let state = (await toggle.locator('strong').textContent() || '').trim();
  if (state === 'Enabled') { // start from Disabled so the toggle is exercised both ways
    await Promise.all([page.waitForNavigation(), toggle.locator('input[type="submit"]').click()]);
    state = (await toggle.locator('strong').textContent() || '').trim();
  }
  check(state === 'Disabled', 'the integration starts disabled', `state: ${state}`);
  await Promise.all([page.waitForNavigation(), toggle.locator('input[type="submit"]').click()]);
  state = (await toggle.locator('strong').textContent() || '').trim();
  const flash = (await page.locator('.wu-runcloud .notice').first().textContent().catch(() => '') || '').trim();
  check(state === 'Enabled', 'clicking Enable turns the integration on', `state after click: ${state}`);
  check(/enabled/i.test(flash), 'a notice confirms it was enabled', `notice: ${flash}`);
  await snap('enabled');

  // 4. Test Connection (AJAX): the specific result, then a specific failure.
  const result = page.locator('#wu-runcloud-test-result');
  const runTest = async () => {
    await page.locator('#wu-runcloud-test-form input[type="submit"]').click();
    await page.waitForFunction(() => {
      const t = document.getElementById('wu-runcloud-test-result')?.textContent || '';
      return t !== '' && !/^Testing/.test(t);
    }, null, { timeout: 30000 });
    return (await result.textContent() || '').trim();
  };
  let text = await runTest();
  check(/Connected \(API v3\)/.test(text) && text.includes('"web-01"') && text.includes('"network"') && /SSL mode basic/.test(text),
    'Test Connection shows the API version, server, app and SSL mode', `result: ${text}`);
  await snap('test-connection-ok');

  await simCall('POST', '/_sim/reset', { tokens: ['another-token'] });
  text = await runTest();
  check(/RunCloud rejected the v3 API token \(WU_RUNCLOUD_API_TOKEN\) with HTTP 401/.test(text),
    'with RunCloud refusing the token, Test Connection names the credentials problem', `result: ${text}`);
  check(!text.includes('sim-token'), 'the failure message does not echo the token');
  await snap('test-connection-refused');
  await simCall('POST', '/_sim/reset');

  // 5. Add a mapping the WordPress-core way: a new site, then its address changed to a custom domain.
  await page.goto(`${base}/wp-admin/network/site-new.php`);
  await page.fill('#site-address', 'shop');
  await page.fill('#site-title', 'Shop');
  await page.fill('#admin-email', `admin@${domain}`);
  await Promise.all([page.waitForNavigation(), page.click('#add-site')]);
  const created = (await page.locator('#message, .notice').first().textContent().catch(() => '') || '').trim();
  check(/site added|created/i.test(created), 'the network admin creates the site shop', `notice: ${created}`);
  const editHref = await page.locator('a[href*="site-info.php?id="]').first().getAttribute('href');
  const siteId = Number(new URL(editHref, base).searchParams.get('id'));
  check(siteId > 1, 'the new site has an edit link', `href: ${editHref}`);

  await page.goto(`${base}/wp-admin/network/site-info.php?id=${siteId}`);
  await page.fill('#url', `http://${mapped}`);
  await Promise.all([page.waitForNavigation(), page.click('#submit')]);
  const saved = (await page.locator('#message, .notice').first().textContent().catch(() => '') || '').trim();
  check(/updated/i.test(saved), `the site's address is changed to ${mapped}`, `notice: ${saved}`);
  await snap('mapping-saved');

  // 6. The queue runs from WP-Cron (DISABLE_WP_CRON: run it explicitly, through nginx + php-fpm).
  let inRunCloud = [];
  for (let i = 0; i < 5; i++) {
    const r = await page.goto(`${base}/wp-cron.php`); // through Chromium, so the host rules apply
    check(r && r.status() === 200, `wp-cron.php run ${i + 1} answers 200`, `status ${r && r.status()}`);
    inRunCloud = (await simCall('GET', '/_sim/servers/11667/webapps/940288/domains')).map((d) => d.name);
    if (inRunCloud.includes(mapped)) break;
    await page.waitForTimeout(500);
  }
  check(inRunCloud.includes(mapped), `RunCloud received the mapped domain ${mapped}`, `app domains: ${inRunCloud.join(', ')}`);
  check(!inRunCloud.includes(`shop.${domain}`), `the site's former subdomain shop.${domain} is not left in RunCloud`, `app domains: ${inRunCloud.join(', ')}`);

  await page.goto(settingsUrl);
  const row = page.locator('table.wu-runcloud-status tbody tr', { hasText: mapped });
  const rowText = (await row.count()) ? (await row.first().innerText()).replace(/\s+/g, ' ') : '';
  check(rowText !== '', `the status table lists ${mapped}`, `table: ${(await page.locator('table.wu-runcloud-status').innerText()).replace(/\s+/g, ' ')}`);
  const cells = (await row.count()) ? await row.first().locator('td').allInnerTexts() : [];
  check(cells[1]?.trim() === 'yes' && /^yes/.test(cells[2]?.trim() || '') && cells[3]?.trim() === 'yes',
    'its row says: in WordPress yes, in RunCloud yes (with the RunCloud id), added by this plugin yes', `row: ${rowText}`);
  const log = (await page.locator('table.wu-runcloud-log').innerText().catch(() => '')).replace(/\s+/g, ' ');
  check(log.includes(mapped) && /added/.test(log), 'the recent log shows the add', `log: ${log.slice(0, 400)}`);
  await snap('status-table');

  // 7. Each domain's stage on the admin page: the certificate is ordered and HTTPS checked.
  const stageOf = async (name) => {
    await page.goto(settingsUrl);
    const r = page.locator('table.wu-runcloud-status tbody tr', { hasText: name });
    return (await r.count()) ? (await r.first().locator('td.wu-runcloud-stage').innerText()).replace(/\s+/g, ' ').trim() : '';
  };
  const cron = async () => { const r = await page.goto(`${base}/wp-cron.php`); return r && r.status(); };
  let stage = '';
  for (let i = 0; i < 6 && !/^HTTPS live/.test(stage); i++) {
    await cron();
    stage = await stageOf(mapped);
  }
  check(/^HTTPS live/.test(stage), `${mapped} reaches HTTPS live (certificate ordered, then seen served)`, `stage: ${stage}`);
  await snap('https-live');

  // 8. A domain mapped before its DNS points here waits; the other keeps its certificate.
  await simCall('POST', '/_sim/dns', { name: early, fail: 'nxdomain' });
  await page.goto(`${base}/wp-admin/network/site-new.php`);
  await page.fill('#site-address', 'early');
  await page.fill('#site-title', 'Early');
  await page.fill('#admin-email', `admin@${domain}`);
  await Promise.all([page.waitForNavigation(), page.click('#add-site')]);
  const earlyEdit = await page.locator('a[href*="site-info.php?id="]').first().getAttribute('href');
  await page.goto(new URL(earlyEdit, base).toString());
  await page.fill('#url', `http://${early}`);
  await Promise.all([page.waitForNavigation(), page.click('#submit')]);
  for (let i = 0; i < 3; i++) await cron();
  let apps = (await simCall('GET', '/_sim/servers/11667/webapps/940288/domains')).map((d) => d.name);
  check(!apps.includes(early), `${early} is not added to RunCloud while its DNS does not point here`, `app domains: ${apps.join(', ')}`);
  stage = await stageOf(early);
  check(/^waiting for DNS/.test(stage) && /NXDOMAIN/.test(stage), `the Domains table shows ${early} waiting for DNS, with the reason`, `stage: ${stage}`);
  await snap('waiting-for-dns');
  const orders = await simCall('GET', '/_sim/orders');
  check(orders.length > 0 && orders.every((o) => o.status === 'issued' && !o.names.includes(early)),
    'no certificate order failed or included the unpointed domain', JSON.stringify(orders));
  check(/^HTTPS live/.test(await stageOf(mapped)), `${mapped} keeps its certificate (still HTTPS live)`);

  // 9. DNS fixed (Ultimate Multisite would fire its propagation hook): added, then HTTPS live.
  await simCall('DELETE', '/_sim/dns');
  const fired = await page.goto(`${base}/wu-e2e-probe.php?wp=1&op=dns-propagated&domain=${early}`);
  check(fired && fired.status() === 200, 'the DNS-propagated hook fires through nginx', `status ${fired && fired.status()}`);
  stage = '';
  for (let i = 0; i < 6 && !/^HTTPS live/.test(stage); i++) {
    await cron();
    stage = await stageOf(early);
  }
  apps = (await simCall('GET', '/_sim/servers/11667/webapps/940288/domains')).map((d) => d.name);
  check(apps.includes(early), `${early} is added once its DNS points here`, `app domains: ${apps.join(', ')}`);
  check(/^HTTPS live/.test(stage), `${early} reaches HTTPS live`, `stage: ${stage}`);
  const after = await simCall('GET', '/_sim/orders');
  check(after.every((o) => o.status === 'issued') && after.filter((o) => o.duplicate).length === 0,
    'every order issued, none a duplicate', JSON.stringify(after));
  await snap('https-live-after-dns-fix');

  check(pageErrors.length === 0, 'no JavaScript errors on any page', pageErrors.join(' | '));
} catch (e) {
  check(false, 'the browser test ran to the end', String(e && e.stack || e));
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}

console.log(`browser: ${passed} passed, ${failed} failed (screenshots in ${artifacts})`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
