// End-to-end tests of the web UI in headless Debian Chromium (playwright-core drives
// /usr/bin/chromium; nothing downloads a browser). Each test is a short story a user could tell.
//
//   node tests/ui/run.mjs [name-substring]     (or: make ui-test)
// The server is bin/arbor, which serves the page itself (UI_TEST_SERVER=etcd|etcd-proxy|arbor-static
// for the others, see lib.mjs). Screenshots of the main views go to UI_SCREENSHOT_DIR (default
// build/ui-screenshots), so a run leaves the git tree clean; ARBOR_UPDATE_SCREENSHOTS=1 writes them
// to docs/screenshots/ instead (the ones README.md and docs/web_ui.md show).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Server, Client, EtcdCluster, eventually, sleep, repo } from './lib.mjs';
import { checkEmbeddedAssets } from './assets_check.mjs';

const updateDocs = process.env.ARBOR_UPDATE_SCREENSHOTS === '1';
const shots = updateDocs ? path.join(repo, 'docs/screenshots')
  : path.resolve(process.env.UI_SCREENSHOT_DIR || path.join(repo, 'build/ui-screenshots'));
fs.mkdirSync(shots, { recursive: true });
const only = process.argv[2];
const kTestTimeoutMs = 90000;

const tests = [];
const test = (name, fn, opts = {}) => tests.push({ name, fn, ...opts });

function assert(cond, msg) { if (!cond) throw new Error(`assertion failed: ${msg}`); }
function eq(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// --- page vocabulary -----------------------------------------------------------------------------

async function open(ctx, server, hash = '') {
  const page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  // Uncaught exceptions in the page fail the test (the runner checks after each one). Console
  // errors are not counted: Chromium logs every 4xx reply, and 404/412 are expected here.
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(server.pageUrl(hash), { timeout: 15000 });
  return page;
}

const row = (page, key) => page.locator(`.tree-row[data-key="${key.replace(/"/g, '\\"')}"]`);

async function expandRow(page, key) {
  await row(page, key).waitFor();
  if (await row(page, key).getAttribute('aria-expanded') !== 'true') await row(page, key).locator('.twisty').click();
  await page.waitForSelector(`.tree-row[data-key="${key}"][aria-expanded="true"]`);
}

async function selectKey(page, key) {
  await page.fill('#goto', key);
  await page.press('#goto', 'Enter');
  await page.waitForFunction((k) => document.querySelector('.key-title')?.textContent === k, key);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, name) });
}

// --- tests ---------------------------------------------------------------------------------------

test('create a tree through the UI and browse it', async ({ ctx, server }) => {
  const page = await open(ctx, server);
  await page.waitForSelector('.tree-row[data-key="/"]');
  await page.click('.tree-row[data-key="/"] .name');
  await page.click('#new-dir');
  await page.fill('#create-name', 'app');
  await page.click('#create');
  await page.waitForFunction(() => document.querySelector('.key-title')?.textContent === '/app');
  await page.click('#new-key');
  await page.fill('#create-name', 'config');
  await page.fill('#create-value', '{"replicas":3,"image":"web:1.2","ports":[80,443]}');
  await page.click('#create');
  await page.waitForFunction(() => document.querySelector('.key-title')?.textContent === '/app/config');
  await page.click('.tree-row[data-key="/app"] .name');
  await page.click('#new-key');
  await page.fill('#create-name', 'db/url');
  await page.fill('#create-value', 'postgres://db:5432/app');
  await page.fill('.ttl-input', '3600');
  await page.click('#create');
  await page.waitForFunction(() => document.querySelector('.key-title')?.textContent === '/app/db/url');

  // The UI wrote what it said it would.
  const c = await server.client.get('/app/config');
  eq(c.data.node.value, '{"replicas":3,"image":"web:1.2","ports":[80,443]}', 'value of /app/config');
  const u = await server.client.get('/app/db/url');
  assert(u.data.node.ttl > 3500, 'TTL of /app/db/url is set');

  // More of the tree, written by someone else, appears on reload.
  await server.client.setMany([['/app/name', 'shop'], ['/app/feature/dark-mode', 'on'],
    ['/app/feature/beta', 'off'], ['/svc/api/addr', '10.0.0.7:8080']]);
  await page.goto(server.pageUrl());
  await page.waitForSelector('.tree-row[data-key="/app"]');
  await expandRow(page, '/app');
  await page.waitForSelector('.tree-row[data-key="/app/feature"]');
  await expandRow(page, '/app/feature');
  await expandRow(page, '/app/db');
  await expandRow(page, '/svc');
  await page.waitForSelector('.tree-row[data-key="/app/feature/beta"]');
  await page.click('.tree-row[data-key="/app/config"] .name');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent.includes('"replicas": 3'));
  // The editor tells whether a JSON value is still JSON.
  await page.click('#edit');
  eq(await page.textContent('#json-hint'), 'valid JSON', 'JSON hint');
  await page.fill('#edit-value', '{"replicas": ');
  eq(await page.textContent('#json-hint'), 'not valid JSON (it will be saved as typed)', 'broken JSON noticed');
  await page.click('#cancel');
  const pretty = await page.textContent('#value');
  assert(pretty.includes('\n  "image": "web:1.2"'), 'JSON value is pretty-printed');
  const created = await page.textContent('tr[data-field="createdIndex"] td');
  eq(Number(created), c.data.node.createdIndex, 'createdIndex shown');
  await shot(page, 'tree.png');

  // The TTL counts down live.
  await page.click('.tree-row[data-key="/app/db/url"] .name');
  await page.waitForFunction(() => document.querySelector('#ttl-live')?.textContent.includes('s)'));
  const t1 = await page.textContent('#ttl-live');
  await sleep(2200);
  const t2 = await page.textContent('#ttl-live');
  assert(t1 !== t2, `TTL counts down (${t1} then ${t2})`);
  await shot(page, 'details.png');

  // The filter narrows the loaded rows to matches and their ancestors.
  await page.fill('#filter', 'beta');
  await eventually('filter to apply', async () => (await page.locator('.tree-row').count()) === 4);
  eq(await page.$$eval('.tree-row', (rs) => rs.map((r) => r.dataset.key)),
    ['/', '/app', '/app/feature', '/app/feature/beta'], 'rows matching "beta"');
  await page.fill('#filter', '');
  assert(page.errors.length === 0, `no page errors: ${page.errors.join('; ')}`);
});

test('a directory with thousands of children stays responsive', async ({ ctx, server }) => {
  const n = 3000;
  await server.client.setMany(Array.from({ length: n }, (_, i) => [`/big/k${String(i).padStart(5, '0')}`, `v${i}`]), 32);
  const page = await open(ctx, server);
  await page.waitForSelector('.tree-row[data-key="/big"]');
  const t0 = Date.now();
  await expandRow(page, '/big');
  await page.waitForSelector('.tree-row[data-key="/big/k00000"]');
  const ms = Date.now() - t0;
  const rendered = await page.locator('.tree-row').count();
  assert(rendered < 150, `only the rows in view are in the DOM (${rendered} of ${n + 2})`);
  // Scroll to the end: the last child is rendered, and still only a window of rows.
  await page.$eval('#tree', (t) => { t.scrollTop = t.scrollHeight; });
  await page.waitForSelector(`.tree-row[data-key="/big/k${String(n - 1).padStart(5, '0')}"]`);
  assert((await page.locator('.tree-row').count()) < 150, 'still virtualised after scrolling');
  await page.fill('#filter', 'k01234');
  await eventually('filtered rows', async () => (await page.locator('.tree-row').count()) === 3);
  console.log(`    (expanding ${n} children took ${ms} ms)`);
  assert(ms < 5000, `expanding ${n} children took ${ms} ms`);
});

test('a key on screen follows changes made by others', async ({ ctx, server }) => {
  await server.client.set('/live/k', 'first');
  const page = await open(ctx, server, '#/keys/live/k');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'first');
  await sleep(300);
  await server.client.set('/live/k', 'second');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'second');
  await server.client.set('/live/k', 'third');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'third');
  await server.client.del('/live/k');
  await page.waitForFunction(() => document.querySelector('#details-error')?.textContent.includes('does not exist'));
});

test('edit a key: a compare-and-swap on the index the user saw', async ({ ctx, server }) => {
  await server.client.set('/edit/greeting', 'hello');
  const before = (await server.client.get('/edit/greeting')).data.node;
  const page = await open(ctx, server, '#/keys/edit/greeting');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'hello');
  await page.click('#edit');
  await page.fill('#edit-value', 'hello, world');
  await shot(page, 'edit.png');
  await page.click('#save');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'hello, world');
  const after = (await server.client.get('/edit/greeting')).data.node;
  eq(after.value, 'hello, world', 'stored value');
  eq(after.createdIndex, before.createdIndex, 'createdIndex kept (compareAndSwap, not set)');
  assert(after.modifiedIndex > before.modifiedIndex, 'modifiedIndex moved');
  eq(Number(await page.textContent('tr[data-field="modifiedIndex"] td')), after.modifiedIndex, 'new modifiedIndex shown');
});

test('lose an edit race and see the conflict', async ({ ctx, server }) => {
  await server.client.set('/race/motd', 'version one');
  const page = await open(ctx, server, '#/keys/race/motd');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'version one');
  await page.click('#edit');
  await page.fill('#edit-value', 'my version');
  // Another client writes while the user is typing; the editor warns at once.
  await server.client.set('/race/motd', 'their version');
  await page.waitForSelector('#changed-banner');
  await page.click('#save');
  await page.waitForSelector('#conflict');
  eq(await page.textContent('#theirs'), 'their version', 'current value shown');
  eq(await page.textContent('#mine'), 'my version', 'the loser\'s value shown');
  eq((await server.client.get('/race/motd')).data.node.value, 'their version', 'nothing overwritten');
  await shot(page, 'conflict.png');
  // The user chooses to overwrite: a new compare-and-swap on the index they now saw.
  await page.click('#overwrite');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'my version');
  eq((await server.client.get('/race/motd')).data.node.value, 'my version', 'overwritten on purpose');

  // Second round: the user takes theirs.
  await page.click('#edit');
  await page.fill('#edit-value', 'another try');
  await server.client.set('/race/motd', 'newest');
  await page.click('#save');
  await page.waitForSelector('#conflict');
  await page.click('#take-theirs');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'newest');
  eq((await server.client.get('/race/motd')).data.node.value, 'newest', 'theirs kept');
});

test('an edit of a key someone deleted meanwhile can create it again; create never overwrites', async ({ ctx, server }) => {
  await server.client.set('/gone/k', 'before');
  const page = await open(ctx, server, '#/keys/gone/k');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'before');
  await page.click('#edit');
  await page.fill('#edit-value', 'mine');
  await server.client.del('/gone/k');
  await page.click('#save');
  await page.waitForSelector('#conflict #recreate');
  assert((await page.textContent('#conflict')).includes('deleted'), 'says it was deleted');
  await page.click('#recreate');
  await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'mine');
  eq((await server.client.get('/gone/k')).data.node.value, 'mine', 'created again');
  // "New key" with a name that exists is refused, not overwritten (prevExist=false).
  await page.click('.tree-row[data-key="/gone"] .name');
  await page.click('#new-key');
  await page.fill('#create-name', 'k');
  await page.fill('#create-value', 'clobber');
  await page.click('#create');
  await page.waitForFunction(() => document.querySelector('#create-status')?.textContent.includes('already exists'));
  eq((await server.client.get('/gone/k')).data.node.value, 'mine', 'not overwritten');
});

test('delete a directory after confirming how many keys go', async ({ ctx, server }) => {
  await server.client.setMany([['/old/a', '1'], ['/old/b', '2'], ['/old/sub/c', '3'], ['/old/sub/deeper/d', '4'],
    ['/old/sub/deeper/e', '5']]);
  await server.client.set('/keep', 'yes');
  const page = await open(ctx, server, '#/keys/old');
  await page.waitForFunction(() => document.querySelector('.key-title')?.textContent === '/old');
  await page.click('#delete');
  await page.waitForSelector('#confirm-delete #delete-count');
  eq(await page.getAttribute('#delete-count', 'data-keys'), '5', 'keys counted');
  eq(await page.getAttribute('#delete-count', 'data-dirs'), '2', 'subdirectories counted');
  assert((await page.textContent('#delete-count')).includes('5 keys in 2 subdirectories'), 'count named');
  await shot(page, 'delete-confirm.png');
  // Cancelling deletes nothing.
  await page.click('#confirm-delete button[data-value="false"]');
  eq((await server.client.get('/old/a')).status, 200, 'kept after cancel');
  await page.click('#delete');
  await page.click('#confirm-delete button[data-value="true"]');
  await eventually('/old to be gone', async () => (await server.client.get('/old')).status === 404);
  await page.waitForSelector('.tree-row[data-key="/old"]', { state: 'detached' });
  eq((await server.client.get('/keep')).status, 200, 'siblings untouched');
});

test('watch events arrive while another client writes, across a network outage', async ({ ctx, server }) => {
  await server.client.set('/w/a', 'one');
  const page = await open(ctx, server, '#/watch');
  await page.fill('#watch-key', '/w');
  await page.check('#watch-recursive');
  await page.click('#watch-start');
  await page.waitForSelector('#watch-status.live');
  await sleep(300);
  await server.client.set('/w/a', 'two');
  await server.client.set('/w/b/c', '<b>not bold</b>');
  await server.client.del('/w/a');
  await eventually('3 events', async () => (await page.locator('tr.event').count()) === 3);
  const events = await page.$$eval('tr.event', (rs) => rs.map((r) => [...r.children].slice(2).map((td) => td.textContent)));
  eq(events.reverse(), [['set', '/w/a', 'one', 'two'], ['set', '/w/b/c', '—', '<b>not bold</b>'],
    ['delete', '/w/a', 'two', '—']], 'events: action, key, old, new');
  const indexes = await page.$$eval('tr.event', (rs) => rs.map((r) => Number(r.dataset.index)));
  assert(indexes[0] > indexes[1] && indexes[1] > indexes[2], 'newest first, increasing indexes');
  await shot(page, 'watch.png');

  // The network fails under the next long poll; writes happen meanwhile; when it comes back the
  // panel resumes from its waitIndex and shows every one of them.
  const broken = (route) => route.abort('connectionreset');
  await page.route(/wait=true/, broken);
  try {
    await server.client.set('/w/a', 'three');  // ends the long poll in flight; the next one fails
    await page.waitForSelector('#watch-status.warn', { timeout: 15000 });
    await server.client.set('/w/while-offline', 'not missed');
    await server.client.set('/w/a', 'four');
  } finally {
    await page.unroute(/wait=true/, broken);
  }
  await eventually('the writes made while offline', async () =>
    (await page.locator('tr.event').count()) === 6, 20000);
  eq(await page.$$eval('tr.event', (rs) => rs.slice(0, 3).reverse().map((r) => r.children[3].textContent + '=' + r.children[5].textContent)),
    ['/w/a=three', '/w/while-offline=not missed', '/w/a=four'], 'events across the outage, in order');
  await server.client.set('/w/after', 'back');
  await eventually('a write after reconnecting', async () =>
    (await page.locator('tr.event[data-key="/w/after"]').count()) === 1);
  eq(await page.locator('tr.event').count(), 7, 'no event lost or repeated');
});

test('the watch recovers by itself from "index cleared" (errorCode 401)', async ({ ctx, server }) => {
  // More than the 1000 events etcd keeps, so a watch from index 1 is refused with 401.
  await server.client.setMany(Array.from({ length: 1010 }, (_, i) => [`/churn/k${i % 50}`, String(i)]), 32);
  const page = await open(ctx, server, '#/watch');
  await page.fill('#watch-key', '/hc');
  await page.fill('#watch-from', '1');
  await page.click('#watch-start');
  await page.waitForSelector('tr.notice');
  assert((await page.textContent('tr.notice')).includes('History cleared'), 'says what happened');
  await page.waitForSelector('#watch-status.live');
  await server.client.set('/hc/x', 'after the resync');
  await eventually('an event after the resync', async () =>
    (await page.locator('tr.event[data-key="/hc/x"]').count()) === 1);
});

test('hidden _keys: opened by path, then shown or hidden in the tree', async ({ ctx, server }) => {
  await server.client.set('/h/visible', 'v');
  await server.client.set('/h/_secret', 's');
  const page = await open(ctx, server);
  await page.waitForSelector('.tree-row[data-key="/h"]');
  await expandRow(page, '/h');
  await page.waitForSelector('.tree-row[data-key="/h/visible"]');
  eq(await row(page, '/h/_secret').count(), 0, 'the API does not list hidden keys');
  // Someone else adds a key; Refresh reloads the open directories.
  await server.client.set('/h/later', 'l');
  await page.click('#refresh-tree');
  await page.waitForSelector('.tree-row[data-key="/h/later"]');
  await selectKey(page, '/h/_secret');
  eq(await page.textContent('#value'), 's', 'a hidden key can be opened by path');
  await page.check('#show-hidden');
  await page.waitForSelector('.tree-row[data-key="/h/_secret"]');
  await page.uncheck('#show-hidden');
  await page.waitForSelector('.tree-row[data-key="/h/_secret"]', { state: 'detached' });
});

test('an empty 200 from a long poll means "ask again"', async ({ ctx, server }) => {
  const page = await open(ctx, server, '#/watch');
  let emptied = 0;
  // The first long poll ends with headers and no body, as etcd does when a watcher overflows.
  const empty = (route) => {
    emptied++;
    return route.fulfill({ status: 200, body: '', headers: { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/json' } });
  };
  await page.route(/wait=true/, empty, { times: 2 });
  await page.fill('#watch-key', '/empty');
  await page.click('#watch-start');
  await eventually('two empty replies', async () => emptied === 2);
  await page.waitForSelector('#watch-status.live');
  await sleep(300);
  await server.client.set('/empty', 'x');
  await eventually('the event after the empty replies', async () => (await page.locator('tr.event').count()) === 1);
  eq(await page.locator('tr.notice').count(), 0, 'no error shown');
});

test('a value holding <script> is shown as text and never runs', async ({ ctx, server }) => {
  const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
  await server.client.set('/xss/value', evil);
  await server.client.set('/xss/<img src=y onerror="window.__pwned=3">', 'key name with markup');
  const page = await open(ctx, server, '#/keys/xss/value');
  await page.waitForFunction(() => document.querySelector('#value') != null);
  eq(await page.textContent('#value'), evil, 'the value, as text');
  await expandRow(page, '/xss');
  await page.waitForSelector('.tree-row[data-key^="/xss/<img"]');
  await page.click('#edit');
  await sleep(300);
  eq(await page.evaluate(() => window.__pwned), undefined, 'no script ran');
  eq(await page.evaluate(() => document.querySelectorAll('#details script, #details img, #tree img, #tree script').length), 0,
    'no element made from data');
  await page.click('#cancel');
  await shot(page, 'script-as-text.png');
});

test('the cluster view shows the member, the leader, health, stats and store counters', async ({ ctx, server }) => {
  const c = server.client;
  const members = (await c.req('GET', '/v2/members')).data.members;
  eq(members.length, 1, 'one member');
  const m = members[0];
  const self = (await c.req('GET', '/v2/stats/self')).data;
  eq([self.id, self.state, self.leaderInfo.leader], [m.id, 'StateLeader', m.id], '/v2/stats/self: the member leads');
  const version = (await c.req('GET', '/version')).data;

  const page = await open(ctx, server, '#/cluster');
  await page.waitForFunction(() => document.querySelector('#members .health')?.textContent === 'healthy');
  const cells = await page.$$eval('#members tr.member', (rs) => rs.map((r) => [...r.children].map((td) => td.textContent)));
  eq(cells.length, 1, 'one member row');
  const [name, id, state, health, clientUrls, peerUrls, started, uptime, error] = cells[0];
  eq([name, id, state, health], ['ui', m.id, '★ leader', 'healthy'], 'name, id, leader, health');
  eq([clientUrls, peerUrls], [m.clientURLs.join(', '), m.peerURLs.join(', ')], 'URLs');
  eq(clientUrls, server.api, 'the advertised client URL');
  assert(started !== '—' && !started.includes('Invalid'), `start time shown (${started})`);
  assert(/^[0-9.]+(h|m|s|ms|µs)/.test(uptime), `leader uptime shown (${uptime})`);
  eq(error, '', 'no error');
  const cards = async () => Object.fromEntries(await page.$$eval('.card', (cs) =>
    cs.map((c) => [c.querySelector('.l').textContent, c.querySelector('.v').textContent])));
  eq(await cards(), { members: '1', healthy: '1 / 1', leader: 'ui', 'server version': version.etcdserver,
    'cluster version': version.etcdcluster }, 'summary cards');

  // The store counters are /v2/stats/store's, all of them, and follow writes by themselves.
  const stats = (await c.req('GET', '/v2/stats/store')).data;
  eq(await page.$$eval('#store-stats .counter', (cs) => cs.map((x) => x.dataset.name)), Object.keys(stats), 'counter names');
  const first = await page.textContent('#cluster-updated');
  await c.set('/cluster-view/a', '1');
  await c.set('/cluster-view/b', '2');
  await c.req('PUT', '/v2/keys/cluster-view/a?prevValue=nope', { form: { value: 'x' } });
  const after = (await c.req('GET', '/v2/stats/store')).data;
  assert(after.setsSuccess >= stats.setsSuccess + 2 && after.compareAndSwapFail >= stats.compareAndSwapFail + 1, 'writes counted');
  await eventually('the counters to catch up without a reload', async () =>
    Number(await page.textContent('#store-stats [data-name="setsSuccess"] .n')) === after.setsSuccess &&
    Number(await page.textContent('#store-stats [data-name="compareAndSwapFail"] .n')) === after.compareAndSwapFail, 12000);
  assert((await page.textContent('#cluster-updated')) !== first, 'refreshed');
  await shot(page, 'cluster.png');
});

for (const kind of ['arbor', 'etcd']) test(`the cluster view follows three ${kind} members, and one going away`, async ({ ctx }) => {
  const cluster = await EtcdCluster.start(3, kind);
  try {
    const page = await open(ctx, cluster, '#/cluster');
    await eventually('3 healthy members', async () =>
      (await page.locator('#members .health.h-true').count()) === 3, 15000);
    eq(await page.locator('#members .badge.leader').count(), 1, 'exactly one leader');
    eq(await page.$$eval('#members tr.member td:first-child', (tds) => tds.map((t) => t.textContent).sort()),
      ['m1', 'm2', 'm3'], 'member names');
    await shot(page, `cluster-3-${kind}.png`);
    // A follower that is not the one serving the page goes away; the view notices by itself.
    const leaderName = await page.textContent('#members tr.member:has(.badge.leader) td:first-child');
    const victim = ['m2', 'm3'].find((n) => n !== leaderName);
    await cluster.kill(cluster.members.findIndex((m) => m.name === victim));
    await eventually(`${victim} shown unreachable`, async () => {
      const r = page.locator('#members tr.member', { hasText: victim });
      return (await r.locator('.health').textContent()) === 'unreachable' &&
        (await r.locator('td.error').textContent()).includes('unreachable');
    }, 20000, 250);
    await eventually('2 of 3 healthy', async () =>
      (await page.textContent('.card:nth-child(2) .v')) === '2 / 3', 15000);
    await shot(page, `cluster-3-${kind}-member-down.png`);
  } finally {
    await cluster.stop();
  }
});

test('a directory takes only TTL changes, and says concurrent edits cannot be detected', async ({ ctx, server }) => {
  await server.client.mkdir('/sessions');
  const page = await open(ctx, server, '#/keys/sessions');
  await page.waitForFunction(() => document.querySelector('.key-title')?.textContent === '/sessions');
  await page.click('#edit-ttl');
  assert((await page.textContent('#dir-note')).includes('cannot be detected'), 'the note');
  await page.fill('.ttl-input', '120');
  await page.click('#save');
  await page.waitForFunction(() => document.querySelector('#ttl-live')?.textContent.includes('s)'));
  const n = (await server.client.get('/sessions')).data.node;
  assert(n.dir && n.ttl > 100 && n.ttl <= 120, `TTL set on the directory (${n.ttl})`);
  // Back to permanent.
  await page.click('#edit-ttl');
  await page.fill('.ttl-input', '');
  await page.click('#save');
  await page.waitForFunction(() => document.querySelector('#ttl-live')?.textContent === 'none (permanent)');
  eq((await server.client.get('/sessions')).data.node.ttl, undefined, 'permanent again');
  // Watch it from the details pane.
  await page.click('#watch-this');
  await page.waitForSelector('#watch-status.live');
  eq(await page.inputValue('#watch-key'), '/sessions', 'watch panel opened on the directory');
  await sleep(300);
  await server.client.set('/sessions/abc', 'user=7');
  await eventually('the event', async () => (await page.locator('tr.event[data-key="/sessions/abc"]').count()) === 1);
});

test('log in when auth is enabled', async ({ ctx }) => {
  const server = await Server.start();
  try {
    const c = server.client;
    await c.set('/secret/plan', 'world domination');
    eq((await c.req('PUT', '/v2/auth/users/root', { json: { user: 'root', password: 'hunter2' } })).status, 201, 'root created');
    const root = new Client(server.api, 'root:hunter2');
    eq((await root.req('PUT', '/v2/auth/enable')).status, 200, 'auth enabled');
    // Take the guest role's rights away, so an anonymous browser must log in.
    const g = await root.req('PUT', '/v2/auth/roles/guest', { json: { role: 'guest', revoke: { kv: { read: ['/*'], write: ['/*'] } } } });
    eq(g.status, 200, 'guest revoked');
    eq((await c.get('/secret/plan')).data.errorCode, 110, 'anonymous refused');

    const page = await open(ctx, server, '#/keys/secret/plan');
    await page.waitForSelector('#login');
    assert((await page.textContent('#login')).includes('110'), 'says why');
    await shot(page, 'login.png');
    await page.fill('#login-user', 'root');
    await page.fill('#login-password', 'wrong');
    await page.click('#login-submit');
    await page.waitForFunction(() => document.querySelector('#login-status')?.textContent.includes('Wrong'));
    await page.fill('#login-password', 'hunter2');
    await page.click('#login-submit');
    await page.waitForSelector('#login', { state: 'detached' });
    await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'world domination');
    eq(await page.textContent('#user'), 'user root', 'user shown');
    const stored = await page.evaluate(() => [sessionStorage.getItem('arbor.auth') != null, localStorage.length]);
    eq(stored, [true, 0], 'credentials in sessionStorage only');
    // Writes carry the credentials too.
    await page.click('#edit');
    await page.fill('#edit-value', 'world peace');
    await page.click('#save');
    await page.waitForFunction(() => document.querySelector('#value')?.textContent === 'world peace');
    eq((await root.get('/secret/plan')).data.node.value, 'world peace', 'written as root');
    // A new tab (a new browser session) has to log in again.
    const other = await open(ctx, server, '#/keys/secret/plan');
    await other.waitForSelector('#login');
    // Logging out forgets the credentials; the next read asks again.
    await page.click('#login-button');
    eq(await page.evaluate(() => sessionStorage.getItem('arbor.auth')), null, 'credentials forgotten');
    await page.waitForSelector('#login');
  } finally {
    await server.stop();
  }
}, { ownServer: true });

test('key paths are encoded per component, and only JSON objects and arrays are pretty-printed', async () => {
  const { encodeKey, joinKey, parentOf, nameOf, isHidden } = await import('../../web/api.js');
  const { prettyJson } = await import('../../web/details.js');
  eq(encodeKey('/a b/c%d/é?#'), 'a%20b/c%25d/%C3%A9%3F%23', 'encodeKey');
  eq(encodeKey('/'), '', 'encodeKey of the root');
  eq(joinKey('/', 'a//b/'), '/a/b', 'joinKey at the root');
  eq(joinKey('/x', 'y/z'), '/x/y/z', 'joinKey below a directory');
  eq([parentOf('/a/b'), parentOf('/a'), nameOf('/a/b'), nameOf('/')], ['/a', '/', 'b', '/'], 'parentOf, nameOf');
  eq([isHidden('/a/_b'), isHidden('/_a/b'), isHidden('/a_b')], [true, false, false], 'the hidden rule looks at the last component');
  eq(prettyJson('{"a":[1,2]}'), '{\n  "a": [\n    1,\n    2\n  ]\n}', 'an object');
  eq([prettyJson('42'), prettyJson('"s"'), prettyJson('{broken'), prettyJson('true')], [null, null, null, null], 'not objects');
}, { noBrowser: true });

test('the embedded assets compile into C++ and are found by path', async () => {
  await checkEmbeddedAssets();
}, { noBrowser: true });

// --- runner --------------------------------------------------------------------------------------

function withTimeout(p, ms, name) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${name}: over ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(t));
}

const selected = tests.filter((t) => !only || t.name.includes(only));
let passed = 0, failed = 0;
let server = null, ctx = null, profile = null;
try {
  if (selected.some((t) => !t.noBrowser)) {
    server = await Server.start();
    console.log(`server: ${server.description}`);
    if (updateDocs && server.kind !== 'arbor') throw new Error('ARBOR_UPDATE_SCREENSHOTS=1 needs bin/arbor (the docs show arbor)');
    console.log(`screenshots: ${path.relative(process.cwd(), shots) || '.'}`);
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-ui-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 760 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
      timeout: 30000,
    });
  }
  for (const t of selected) {
    const started = Date.now();
    try {
      await withTimeout(t.fn({ ctx, server }), kTestTimeoutMs, t.name);
      const errors = ctx ? ctx.pages().flatMap((p) => p.errors || []) : [];
      if (errors.length) throw new Error(`uncaught errors in the page: ${errors.join('; ')}`);
      passed++;
      console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name} (${Date.now() - started} ms)\n     ${e.stack || e.message}`);
    } finally {
      if (ctx) for (const p of ctx.pages()) await p.close().catch(() => {});
    }
  }
} catch (e) {
  failed++;
  console.log(`FAIL setup: ${e.stack || e.message}`);
} finally {
  if (ctx) await ctx.close().catch(() => {});
  if (server) await server.stop();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
