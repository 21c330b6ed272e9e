// Browser test: the network admin as an operator uses it, in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core; no browser download, no network beyond the
// stack's loopback address). Needs E2E_STACK_ENV (tests/e2e/run.sh). Screenshots go to
// E2E_ARTIFACTS (default tests/artifacts/e2e).
//
// Story: log in -> Settings -> RunCloud -> enable the integration -> Test Connection (success,
// then with RunCloud refusing the token) -> create a site and map a custom domain to it in
// core's Sites screen -> run the queue -> the Domains table shows the domain live in RunCloud
// (certificate ordered, HTTPS seen served) -> search it -> a site created while RunCloud refuses
// domains shows in the Failing view, its error in one line that unfolds on a click -> the bulk
// action Retry now, the queue runs -> it is live and nothing needs attention -> Site Health
// shows our checks -> a domain mapped before its DNS points at the server waits ("Waiting for
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

  const domainsUrl = `${settingsUrl}&tab=domains`;
  const runCron = async () => {
    const r = await page.goto(`${base}/wp-cron.php`);
    return r && r.status();
  };
  // wp-cron.php answers before it runs the events (fastcgi_finish_request): look until the
  // domain's row says what the queue run should have made of it.
  const stateAfterCron = async (name, want) => {
    let cells = {};
    for (let i = 0; i < 10; i++) {
      if (i % 3 === 0) check(await runCron() === 200, `wp-cron.php answers 200 (${name})`);
      await page.waitForTimeout(300);
      await page.goto(domainsUrl);
      cells = await cellsOf(name);
      if (cells.state === want) break;
    }
    return cells;
  };
  const rowOf = (name) => page.locator('table.wu-runcloud-domains tbody tr', { hasText: name });
  const cellsOf = async (name) => Object.fromEntries(await Promise.all(['state', 'runcloud', 'ours'].map(
    async (col) => [col, ((await rowOf(name).first().locator(`td.column-${col}`).innerText().catch(() => '')) || '').trim()])));

  // 7. The Domains tab: a WP_List_Table with views, the mapped domain live.
  await page.goto(settingsUrl);
  await Promise.all([page.waitForNavigation(), page.locator('.wu-rc-tabs a', { hasText: 'Domains' }).click()]);
  check((await rowOf(mapped).count()) === 1, `the Domains table lists ${mapped}`,
    `table: ${(await page.locator('table.wu-runcloud-domains').innerText().catch(() => '')).replace(/\s+/g, ' ')}`);
  // The queue also ordered the certificate and checked HTTPS: Live once both ran.
  let cells = await stateAfterCron(mapped, 'Live');
  check(cells.state === 'Live' && /^#\d+$/.test(cells.runcloud) && cells.ours === 'yes',
    'its row says: Live, with its RunCloud id, added by this plugin', JSON.stringify(cells));
  const views = (await page.locator('ul.subsubsub').innerText()).replace(/\s+/g, ' ');
  check(/All \(\d+\)/.test(views) && /Live \(\d+\)/.test(views) && /Waiting for DNS \(0\)/.test(views) && /Failing \(0\)/.test(views) && /Not ours \(\d+\)/.test(views),
    'the views all / live / waiting for DNS / failing / not ours show their counts', views);
  await snap('domains-table');

  // 8. Search by domain.
  await page.fill('#wu-rc-domains-search-input', 'shop-e2e');
  await Promise.all([page.waitForNavigation(), page.click('#search-submit')]);
  const found = await page.locator('table.wu-runcloud-domains tbody tr').allInnerTexts();
  check(found.length === 1 && found[0].includes(mapped), 'searching "shop-e2e" finds exactly the mapped domain', found.join(' | '));
  await snap('domains-search');

  // 9. A site created while RunCloud refuses new domains: the Failing view, its error in one line.
  const refused = `refused.${domain}`;
  await simCall('POST', '/_sim/faults', { method: 'POST', path: '/api/*/servers/*/webapps/*/domains', kind: 'status', status: 422 });
  await page.goto(`${base}/wp-admin/network/site-new.php`);
  await page.fill('#site-address', 'refused');
  await page.fill('#site-title', 'Refused');
  await page.fill('#admin-email', `admin@${domain}`);
  await Promise.all([page.waitForNavigation(), page.click('#add-site')]);
  check((await stateAfterCron(refused, 'Failing')).state === 'Failing', `the queue ran the add of ${refused}, and RunCloud refused it`);
  await Promise.all([page.waitForNavigation(), page.locator('ul.subsubsub a', { hasText: 'Failing' }).click()]);
  check(new URL(page.url()).searchParams.get('view') === 'failing', 'the Failing view is a link', page.url());
  cells = await cellsOf(refused);
  check(cells.state === 'Failing', `the Failing view lists ${refused}`, JSON.stringify(cells));
  const error = rowOf(refused).first().locator('.wu-rc-oneline');
  const errorText = (await error.textContent() || '').trim();
  check(/RunCloud refused adding domain .* with HTTP 422/.test(errorText), 'its last error is RunCloud\'s refusal in the extension\'s words', errorText);
  const folded = await error.evaluate((e) => [getComputedStyle(e).whiteSpace, e.getBoundingClientRect().height]);
  await error.click();
  const unfolded = await error.evaluate((e) => [getComputedStyle(e).whiteSpace, e.getBoundingClientRect().height]);
  check(folded[0] === 'nowrap' && unfolded[0] === 'normal' && unfolded[1] > folded[1],
    'the error shows in one line, and in full on a click', `before ${folded}, after ${unfolded}`);
  await snap('domains-failing-view');

  // 10. Bulk action: Retry now on the failing domain, once RunCloud accepts it again.
  await simCall('DELETE', '/_sim/faults');
  await rowOf(refused).first().locator('input[type="checkbox"][name="domains[]"]').check();
  await page.selectOption('#wu-rc-bulk-top', 'retry');
  await Promise.all([page.waitForNavigation(), page.click('#wu-rc-apply-top')]);
  const bulkNotice = (await page.locator('.wu-runcloud .notice').first().textContent().catch(() => '') || '').trim();
  check(/1 operation will be retried by the next worker run/.test(bulkNotice), 'the bulk action confirms what it did', bulkNotice);
  check(new URL(page.url()).searchParams.get('view') === 'failing', 'and comes back to the view it was applied on', page.url());
  await snap('bulk-retry');
  cells = await stateAfterCron(refused, 'Live');
  check(cells.state === 'Live' && cells.ours === 'yes', `after the retry (run by WP-Cron) ${refused} is live`, JSON.stringify(cells));
  check(/Failing \(0\)/.test(await page.locator('ul.subsubsub').innerText()), 'and nothing is failing');
  await snap('domains-after-retry');

  // 11. Operations and Log tabs.
  await page.goto(`${settingsUrl}&tab=operations&view=attention`);
  check(/Needs attention \(0\)/.test(await page.locator('ul.subsubsub').innerText()), 'the Operations tab: nothing needs attention');
  await page.goto(`${settingsUrl}&tab=operations`);
  check((await page.locator('table.wu-runcloud-operations tbody tr', { hasText: mapped }).count()) >= 1, 'the Operations table lists the add of the mapped domain');
  await snap('operations-table');
  await page.goto(`${settingsUrl}&tab=log`);
  const log = (await page.locator('table.wu-runcloud-log').innerText().catch(() => '')).replace(/\s+/g, ' ');
  check(log.includes(mapped) && /added/.test(log), 'the Log tab shows the add', `log: ${log.slice(0, 400)}`);

  // 12. Tools -> Site Health lists our checks (on the main site, where super admins see it).
  // The last Test Connection (step 4) was the refused one: that is what Site Health reports.
  await page.goto(`${base}/wp-admin/site-health.php`);
  await page.waitForFunction(() => /The wu_runcloud PHP extension/.test(document.body.textContent || ''), null, { timeout: 30000 }).catch(() => {});
  const health = ((await page.locator('body').textContent()) || '').replace(/\s+/g, ' ');
  check(/The wu_runcloud PHP extension \S+ is loaded/.test(health) && /RunCloud refused the last Test Connection/.test(health),
    'Site Health shows the RunCloud checks: the extension loaded, the refused Test Connection', health.slice(0, 600));
  const item = page.locator('.health-check-accordion-trigger', { hasText: 'RunCloud refused the last Test Connection' }).first();
  await item.click().catch(() => {});
  const panel = ((await page.locator(`#${await item.getAttribute('aria-controls').catch(() => 'none')}`).textContent().catch(() => '')) || '').replace(/\s+/g, ' ');
  check(/RunCloud rejected the v3 API token \(WU_RUNCLOUD_API_TOKEN\) with HTTP 401/.test(panel) && /Run Test Connection on Settings/.test(panel),
    'its description is the failure in the extension\'s words, with the action link', panel.slice(0, 400));
  await snap('site-health');

  // 13. Each domain's state in the Domains table, with what it waits for.
  const stageOf = async (name) => {
    await page.goto(domainsUrl);
    const r = rowOf(name);
    return (await r.count()) ? (await r.first().locator('td.column-state').innerText()).replace(/\s+/g, ' ').trim() : '';
  };
  const cron = runCron;
  let stage = await stageOf(mapped);
  check(/^Live/.test(stage), `${mapped} is still live (certificate ordered, then seen served)`, `state: ${stage}`);

  // 14. A domain mapped before its DNS points here waits; the other keeps its certificate.
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
  check(/^Waiting for DNS/.test(stage) && /does not exist in DNS/.test(stage), `the Domains table shows ${early} waiting for DNS, with the reason`, `stage: ${stage}`);
  await snap('waiting-for-dns');
  const orders = await simCall('GET', '/_sim/orders');
  check(orders.length > 0 && orders.every((o) => o.status === 'issued' && !o.names.includes(early)),
    'no certificate order failed or included the unpointed domain', JSON.stringify(orders));
  check(/^Live/.test(await stageOf(mapped)), `${mapped} keeps its certificate (still live)`);

  // 15. DNS fixed (Ultimate Multisite would fire its propagation hook): added, then HTTPS live.
  await simCall('DELETE', '/_sim/dns');
  const fired = await page.goto(`${base}/wu-e2e-probe.php?wp=1&op=dns-propagated&domain=${early}`);
  check(fired && fired.status() === 200, 'the DNS-propagated hook fires through nginx', `status ${fired && fired.status()}`);
  stage = '';
  for (let i = 0; i < 6 && !/^Live/.test(stage); i++) {
    await cron();
    await page.waitForTimeout(300);
    stage = await stageOf(early);
  }
  apps = (await simCall('GET', '/_sim/servers/11667/webapps/940288/domains')).map((d) => d.name);
  check(apps.includes(early), `${early} is added once its DNS points here`, `app domains: ${apps.join(', ')}`);
  check(/^Live/.test(stage), `${early} reaches HTTPS live`, `stage: ${stage}`);
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
