// Entry point: wires the API client, the tree, the details pane, the watch panel and the cluster
// view, and owns the tabs (URL hash: #/keys/<key>, #/watch, #/cluster) and the login dialog.

import { h, $, replace, toast } from './dom.js';
import { Api, EtcdError } from './api.js';
import { Tree } from './tree.js';
import { Details } from './details.js';
import { WatchPanel } from './watch.js';
import { ClusterView } from './cluster.js';

const api = new Api();
const views = ['keys', 'watch', 'cluster'];

const tree = new Tree(api, $('#tree'), {
  onSelect: (key) => {
    details.show(key);
    const want = `#/keys${key === '/' ? '' : key.split('/').map(encodeURIComponent).join('/')}`;
    if (location.hash !== want) history.replaceState(null, '', want);
  },
});
const details = new Details(api, $('#details'), tree, {
  onWatch: (key, recursive) => { location.hash = '#/watch'; watch.watch(key, recursive); },
});
const watch = new WatchPanel(api, $('#view-watch'));
const cluster = new ClusterView(api, $('#view-cluster'));
// The API never lists hidden keys; remember the ones a watch reveals so the tree can show them.
watch.onEvent = (ev) => {
  if (ev.node && ev.node.key && ev.node.key.includes('/_')) tree.rememberHidden(ev.node.key);
};

// --- header --------------------------------------------------------------------------------------

$('#endpoint').textContent = api.base;
api.onIndex = (i) => { $('#etcd-index').textContent = `index ${i}`; };

function renderUser() {
  const user = api.user;
  $('#user').textContent = user ? `user ${user}` : '';
  $('#login-button').textContent = user ? 'Log out' : 'Log in';
}

async function renderAuthState() {
  try {
    const r = await api.authEnabled();
    const on = Boolean(r.json && r.json.enabled);
    $('#auth-state').textContent = on ? 'auth on' : 'auth off';
    $('#auth-state').className = `badge ${on ? 'on' : ''}`;
  } catch {
    $('#auth-state').textContent = '';
  }
}

$('#login-button').addEventListener('click', () => {
  if (api.user) {
    api.logout();
    renderUser();
    toast('Logged out');
    reloadAll();
  } else {
    login();
  }
});

// --- login ---------------------------------------------------------------------------------------

let loginOpen = null;

// Shows the login dialog (once, however many requests were refused). Credentials are checked with
// a read of the root before they are kept, in sessionStorage only.
function login(reason) {
  if (loginOpen) return loginOpen;
  loginOpen = new Promise((resolve) => {
    const user = h('input#login-user', { type: 'text', autocomplete: 'username', value: api.user || 'root' });
    const pass = h('input#login-password', { type: 'password', autocomplete: 'current-password' });
    const status = h('p.status.error#login-status');
    const close = (ok) => { backdrop.remove(); loginOpen = null; resolve(ok); };
    const submit = async (e) => {
      e.preventDefault();
      const previous = api.authorization;
      api.login(user.value, pass.value);
      try {
        await api.send('GET', api.keyUrl('/'), {});
        renderUser();
        toast(`Logged in as ${user.value}`);
        close(true);
        window.dispatchEvent(new Event('arbor-login'));
        reloadAll();
      } catch (err) {
        if (previous) sessionStorage.setItem('arbor.auth', previous); else api.logout();
        replace(status, err instanceof EtcdError && err.status === 401
          ? 'Wrong user name or password (or this user may not read /).' : err.message);
      }
    };
    const form = h('form.modal#login', { role: 'dialog', 'aria-modal': 'true', on: { submit } },
      h('h2', { text: 'Log in' }),
      h('p', { text: reason || 'Authentication is enabled on this cluster.' }),
      h('label', 'User', user),
      h('label', 'Password', pass),
      h('p.muted', { text: 'Sent as HTTP basic auth; kept only for this browser tab (sessionStorage).' }),
      status,
      h('div.modal-buttons',
        h('button.secondary', { type: 'button', text: 'Cancel', on: { click: () => close(false) } }),
        h('button.primary#login-submit', { type: 'submit', text: 'Log in' })));
    const backdrop = h('div.modal-backdrop', form);
    document.body.append(backdrop);
    (user.value ? pass : user).focus();
  });
  return loginOpen;
}

api.onLoginNeeded = (err) => {
  const why = api.user
    ? `User ${api.user} may not do this (error ${err.errorCode ?? 401}: ${err.cause || err.message}). Log in as someone else?`
    : `This cluster requires a login (error ${err.errorCode ?? 401}: ${err.cause || err.message}).`;
  login(why);
};

// --- tabs and the URL hash -----------------------------------------------------------------------

function route() {
  const hash = location.hash || '#/keys';
  const m = /^#\/(\w+)(\/.*)?$/.exec(hash);
  const view = m && views.includes(m[1]) ? m[1] : 'keys';
  for (const v of views) {
    $(`#view-${v}`).hidden = v !== view;
    $(`#tab-${v}`).classList.toggle('active', v === view);
    $(`#tab-${v}`).setAttribute('aria-selected', String(v === view));
  }
  cluster.setVisible(view === 'cluster');
  if (view === 'keys' && m && m[2]) {
    let key;
    try { key = m[2].split('/').map(decodeURIComponent).join('/'); } catch { key = m[2]; }
    if (key !== tree.selected) tree.reveal(key);
  }
}
window.addEventListener('hashchange', route);

function reloadAll() {
  renderAuthState();
  tree.load(tree.root).then(() => {
    tree.root.expanded = true;
    tree.refresh();
    details.show(tree.selected);
  });
}

// --- the keys toolbar ----------------------------------------------------------------------------

$('#filter').addEventListener('input', (e) => tree.setFilter(e.target.value));
$('#show-hidden').addEventListener('change', (e) => tree.setShowHidden(e.target.checked));
$('#refresh-tree').addEventListener('click', async () => {
  await tree.reloadOpen();
  details.show(tree.selected);
});
$('#goto-form').addEventListener('submit', (e) => {
  e.preventDefault();
  let key = $('#goto').value.trim();
  if (!key) return;
  if (!key.startsWith('/')) key = '/' + key;
  key = key.replace(/\/+$/, '') || '/';
  tree.reveal(key);
});
// TTL badges in the tree count down with the details pane.
setInterval(() => { if (!$('#view-keys').hidden) tree.tickTtl(); }, 1000);

renderUser();
renderAuthState();
tree.root.expanded = true;
tree.load(tree.root);
route();
if (!/^#\/keys\/./.test(location.hash)) tree.select('/');
window.arbor = { api, tree, details, watch, cluster };  // for debugging from the console
