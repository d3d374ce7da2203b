// The right-hand pane: one key or directory, and every write the UI makes to the key space.
//
// Edits of a key are a compare-and-swap on the modifiedIndex the user saw (PUT ?prevIndex=N). If
// someone else wrote in between, etcd answers 412 errorCode 101; the pane then shows the current
// value beside the user's and lets them choose: overwrite (a new CAS on the new index) or take
// theirs. Directories have no value; only their TTL can change (PUT ?dir=true&prevExist=true),
// and the API offers no compare for that, so concurrent directory edits cannot be detected.

import { h, replace, modal, toast, formatSeconds } from './dom.js';
import { EtcdError, joinKey, parentOf, isHidden } from './api.js';

// Pretty-prints a value when it is a JSON object or array; otherwise returns null.
export function prettyJson(value) {
  const t = value.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return null;
  try { return JSON.stringify(JSON.parse(t), null, 2); } catch { return null; }
}

function ttlField(initial) {
  return h('input.ttl-input', { type: 'number', min: '0', step: '1', name: 'ttl',
    placeholder: 'none (permanent)', value: initial ?? '' });
}

function readTtl(input) {
  const v = input.value.trim();
  if (v === '') return null;
  if (!/^\d+$/.test(v)) throw new Error('TTL must be a whole number of seconds');
  return v;
}

export class Details {
  // `tree` is the Tree (reloaded after writes); `onWatch(key, recursive)` opens the watch panel.
  constructor(api, pane, tree, { onWatch }) {
    this.api = api;
    this.pane = pane;
    this.tree = tree;
    this.onWatch = onWatch;
    this.key = null;
    this.node = null;
    this.receivedAt = 0;
    this.ttlEl = null;
    setInterval(() => this.tick(), 250);
  }

  // Follows the shown key with a long poll from the index on screen, so a change by someone else is
  // never silent: the view reloads itself; an edit in progress gets a warning that its save will
  // meet a conflict (which it then resolves as usual).
  follow(node) {
    if (this.followCtl) this.followCtl.abort();
    this.followCtl = null;
    if (!node || node.dir) return;
    const ctl = new AbortController();
    this.followCtl = ctl;
    const key = node.key;
    const next = node.modifiedIndex + 1;
    (async () => {
      let backoff = 1000;
      while (!ctl.signal.aborted) {
        try {
          const r = await this.api.get(key, { wait: true, waitIndex: next }, { signal: ctl.signal });
          if (!r.json || !r.json.node) continue;  // an empty 200: ask again
          if (!ctl.signal.aborted) this.remoteChange(r.json);
          return;
        } catch (e) {
          if (ctl.signal.aborted) return;
          if (e instanceof EtcdError && e.errorCode === 401) { this.remoteChange(null); return; }
          if (e instanceof EtcdError && e.status >= 400 && e.status < 500) return;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 10000);
        }
      }
    })();
  }

  // Our own writes must not look like someone else's: stop following before making one.
  unfollow() {
    if (this.followCtl) this.followCtl.abort();
    this.followCtl = null;
  }

  remoteChange(ev) {
    const view = this.pane.firstElementChild?.dataset.view;
    const what = ev ? `${ev.action} at index ${ev.node.modifiedIndex}` : 'changes too old to tell apart';
    if (view === 'key') {
      this.show(this.key).then(() => toast(`${this.key} changed: ${what}`));
      return;
    }
    if (view !== 'edit') return;
    const panel = this.pane.firstElementChild;
    panel.querySelector('#changed-banner')?.remove();
    panel.insertBefore(h('p.banner#changed-banner', {
      text: `Someone else changed this key while you are editing (${what}). Saving will not overwrite it: you will see both versions and choose.` }),
    panel.children[1]);
  }

  // Shows `key`, read fresh from the server.
  async show(key) {
    this.unfollow();
    this.key = key;
    replace(this.pane, h('p.muted', { text: `Loading ${key} …` }));
    try {
      const r = await this.api.get(key);
      if (this.key !== key) return;
      this.node = r.json.node;
      this.receivedAt = performance.now();
      this.renderView();
      this.follow(this.node);
    } catch (e) {
      if (this.key !== key) return;
      this.node = null;
      replace(this.pane, h('div.panel',
        h('h2.key-title', { text: key }),
        h('p.error#details-error', { text: e.errorCode === 100 ? 'This key does not exist (any more).' : e.message }),
        h('div.actions',
          h('button.secondary', { text: 'Reload', on: { click: () => this.show(key) } }),
          e.needsLogin ? h('button.primary', { text: 'Log in…', on: { click: () => this.api.onLoginNeeded?.(e) } }) : null)));
    }
  }

  remaining() {
    if (!this.node || this.node.ttl == null) return null;
    return this.node.ttl - (performance.now() - this.receivedAt) / 1000;
  }

  tick() {
    if (!this.ttlEl || !this.ttlEl.isConnected) return;
    const left = this.remaining();
    if (left == null) return;
    this.ttlEl.textContent = left > 0 ? `${formatSeconds(left)} (${Math.ceil(left)} s)` : 'expired, awaiting removal';
    this.ttlEl.classList.toggle('expiring', left < 10);
    if (left < -2 && !this.expiredCheck) {
      // The server removes expired keys on its next sweep; confirm it is gone.
      this.expiredCheck = setTimeout(() => { this.expiredCheck = null; this.show(this.key); }, 500);
    }
  }

  metaTable(n) {
    this.ttlEl = h('span#ttl-live', { text: n.ttl != null ? `${formatSeconds(n.ttl)} (${n.ttl} s)` : 'none (permanent)' });
    const rows = [
      ['key', n.key || '/'],
      ['type', n.dir ? 'directory' : 'key'],
      ['createdIndex', n.createdIndex ?? '—'],
      ['modifiedIndex', n.modifiedIndex ?? '—'],
      ['TTL', this.ttlEl],
      ['expiration', n.expiration ? `${n.expiration} (${new Date(n.expiration).toLocaleString()})` : '—'],
    ];
    if (n.dir) rows.splice(2, 0, ['children', `${(n.nodes || []).length} listed (hidden keys are never listed)`]);
    return h('table.meta', h('tbody', rows.map(([k, v]) =>
      h('tr', { 'data-field': k }, h('th', { text: k }), h('td', v instanceof Node ? v : String(v))))));
  }

  renderView() {
    const n = this.node;
    const key = n.key || '/';
    const actions = [];
    if (n.dir) {
      actions.push(
        h('button.primary#new-key', { text: 'New key', on: { click: () => this.renderCreate(false) } }),
        h('button.secondary#new-dir', { text: 'New directory', on: { click: () => this.renderCreate(true) } }));
      if (key !== '/') {
        actions.push(h('button.secondary#edit-ttl', { text: 'Edit TTL', on: { click: () => this.renderDirTtl() } }));
      }
      actions.push(h('button.secondary#watch-this', { text: 'Watch (recursive)', on: { click: () => this.onWatch(key, true) } }));
      if (key !== '/') actions.push(h('button.danger#delete', { text: 'Delete…', on: { click: () => this.deleteDir() } }));
    } else {
      actions.push(
        h('button.primary#edit', { text: 'Edit', on: { click: () => this.renderEdit() } }),
        h('button.secondary#watch-this', { text: 'Watch', on: { click: () => this.onWatch(key, false) } }),
        h('button.danger#delete', { text: 'Delete…', on: { click: () => this.deleteKey() } }));
    }
    actions.push(h('button.secondary#reload', { text: 'Reload', on: { click: () => this.show(key) } }));

    const body = [h('h2.key-title', { text: key }),
      isHidden(key) ? h('p.note', { text: 'Hidden key: the API never lists it in its directory.' }) : null,
      h('div.actions', actions), this.metaTable(n)];
    if (!n.dir) body.push(this.valueBox(n.value ?? ''));
    replace(this.pane, h('div.panel', { 'data-view': 'key' }, body));
  }

  valueBox(value) {
    const pretty = prettyJson(value);
    const pre = h('pre.value#value', { text: pretty ?? value });
    const box = h('div.value-box',
      h('div.value-head', h('span', { text: pretty != null ? 'value (JSON, pretty-printed)' : 'value' }),
        h('span.muted', { text: `${new TextEncoder().encode(value).length} bytes` }),
        pretty != null ? h('button.link', { text: 'show raw', on: { click: (e) => {
          const raw = pre.dataset.raw === '1';
          pre.textContent = raw ? pretty : value;
          pre.dataset.raw = raw ? '0' : '1';
          e.target.textContent = raw ? 'show raw' : 'show pretty';
        } } }) : null),
      pre);
    return box;
  }

  // --- editing a key: compare-and-swap on the modifiedIndex the user saw -----------------------

  renderEdit(draft) {
    const n = this.node;
    const seen = n.modifiedIndex;
    const left = this.remaining();
    const value = h('textarea#edit-value', { rows: '10', spellcheck: 'false', value: draft?.value ?? n.value ?? '' });
    const ttl = ttlField(draft?.ttl ?? (left != null ? Math.max(1, Math.ceil(left)) : ''));
    const status = h('p.status');
    const original = n.value ?? '';
    // A JSON value stays JSON: say so while typing (not blocking: any string is a valid value).
    const wasJson = prettyJson(original) != null;
    const jsonHint = h('p.muted.json-hint#json-hint');
    const checkJson = () => {
      const v = value.value.trim();
      let ok = true;
      try { JSON.parse(v); } catch { ok = false; }
      jsonHint.textContent = !wasJson && !v.startsWith('{') && !v.startsWith('[') ? ''
        : ok ? 'valid JSON' : 'not valid JSON (it will be saved as typed)';
      jsonHint.classList.toggle('error', !ok);
    };
    value.addEventListener('input', checkJson);
    checkJson();
    const format = h('button.link#format-json', { type: 'button', text: 'format JSON', hidden: !wasJson, on: { click: () => {
      const pretty = prettyJson(value.value);
      if (pretty != null) { value.value = pretty; checkJson(); }
    } } });
    const save = async () => {
      let t;
      try { t = readTtl(ttl); } catch (e) { replace(status, e.message); return; }
      await this.casWrite(seen, value.value, t, original);
    };
    replace(this.pane, h('div.panel', { 'data-view': 'edit' },
      h('h2.key-title', { text: `Edit ${n.key}` }),
      h('p.note', { text: `Saving is a compare-and-swap on modifiedIndex ${seen}: if anyone changed the key since you opened it, nothing is overwritten and you will be shown both versions.` }),
      h('label', 'Value', value),
      h('div.value-tools', jsonHint, format),
      h('label', 'TTL in seconds (empty: no TTL — an edit without a TTL makes the key permanent)', ttl),
      h('div.actions',
        h('button.primary#save', { text: 'Save', on: { click: save } }),
        h('button.secondary#cancel', { text: 'Cancel', on: { click: () => this.renderView() } })),
      status));
    value.focus();
  }

  // `original` is the value the user started editing from (shown if the compare fails).
  async casWrite(prevIndex, value, ttl, original) {
    const key = this.node.key;
    this.unfollow();
    try {
      const r = await this.api.put(key, { prevIndex }, { value, ttl });
      toast(`Saved ${key} (modifiedIndex ${r.json.node.modifiedIndex})`);
      await this.show(key);
      this.tree.reloadAround(key);
    } catch (e) {
      if (e instanceof EtcdError && e.errorCode === 101) return this.conflict(prevIndex, value, ttl, original);
      if (e instanceof EtcdError && e.errorCode === 100) return this.deletedMeanwhile(value, ttl);
      toast(`Save failed: ${e.message}`, 'error');
    }
  }

  // Someone else wrote between our read and our CAS: show theirs beside ours and let the user pick.
  async conflict(seenIndex, mine, ttl, original) {
    const key = this.node.key;
    let current;
    try {
      current = (await this.api.get(key)).json.node;
    } catch (e) {
      if (e.errorCode === 100) return this.deletedMeanwhile(mine, ttl);
      toast(e.message, 'error');
      return;
    }
    this.node = current;
    this.receivedAt = performance.now();
    this.follow(current);
    this.tree.reloadAround(key);
    replace(this.pane, h('div.panel.conflict#conflict', { 'data-view': 'conflict' },
      h('h2.key-title', { text: `Conflict on ${key}` }),
      h('p.error', { text: `Someone else changed this key while you were editing it: you started from modifiedIndex ${seenIndex}, it is now at ${current.modifiedIndex}. Your change was not saved.` }),
      h('div.compare',
        h('div', h('h3', { text: `Current value (modifiedIndex ${current.modifiedIndex})` }),
          h('pre.value#theirs', { text: current.value ?? '' })),
        h('div', h('h3', { text: 'Your value (not saved)' }), h('pre.value#mine', { text: mine }))),
      original != null ? h('details.started',
        h('summary', { text: `The value you started from (modifiedIndex ${seenIndex})` }),
        h('pre.value#started', { text: original })) : null,
      h('div.actions',
        h('button.danger#overwrite', { text: `Overwrite with mine (compare on index ${current.modifiedIndex})`,
          on: { click: () => this.casWrite(current.modifiedIndex, mine, ttl, current.value ?? '') } }),
        h('button.primary#take-theirs', { text: 'Take theirs (discard mine)',
          on: { click: () => { toast('Kept the current value'); this.renderView(); this.tree.reloadAround(key); } } }),
        h('button.secondary#edit-again', { text: 'Edit again from theirs',
          on: { click: () => this.renderEdit({ value: mine, ttl: ttl ?? '' }) } }))));
  }

  deletedMeanwhile(mine, ttl) {
    const key = this.node.key;
    replace(this.pane, h('div.panel.conflict#conflict', { 'data-view': 'conflict' },
      h('h2.key-title', { text: `Conflict on ${key}` }),
      h('p.error', { text: 'Someone else deleted this key while you were editing it. Your change was not saved.' }),
      h('h3', { text: 'Your value (not saved)' }), h('pre.value#mine', { text: mine }),
      h('div.actions',
        h('button.danger#recreate', { text: 'Create it again with my value', on: { click: async () => {
          try {
            await this.api.put(key, { prevExist: false }, { value: mine, ttl });
            await this.show(key);
            this.tree.reloadAround(key);
          } catch (e) { toast(`Create failed: ${e.message}`, 'error'); }
        } } }),
        h('button.secondary#discard', { text: 'Discard', on: { click: () => {
          this.tree.reloadAround(key);
          this.tree.select(parentOf(key));
        } } }))));
  }

  // --- directories: TTL only --------------------------------------------------------------------

  renderDirTtl() {
    const n = this.node;
    const left = this.remaining();
    const ttl = ttlField(left != null ? Math.max(1, Math.ceil(left)) : '');
    const save = async () => {
      try {
        const t = readTtl(ttl);
        await this.api.put(n.key, { dir: true, prevExist: true, ttl: t ?? '' });
        toast(t == null ? `${n.key} is now permanent` : `${n.key} now expires in ${t} s`);
        await this.show(n.key);
        this.tree.reloadAround(n.key);
      } catch (e) { toast(`TTL change failed: ${e.message}`, 'error'); }
    };
    replace(this.pane, h('div.panel', { 'data-view': 'dir-ttl' },
      h('h2.key-title', { text: `TTL of ${n.key}` }),
      h('p.note#dir-note', { text: 'A directory has no value; only its TTL can change. etcd offers no compare-and-swap for directories, so a concurrent edit by someone else cannot be detected: the last write wins. When a directory expires, everything in it goes too.' }),
      h('label', 'TTL in seconds (empty: permanent)', ttl),
      h('div.actions',
        h('button.primary#save', { text: 'Save TTL', on: { click: save } }),
        h('button.secondary#cancel', { text: 'Cancel', on: { click: () => this.renderView() } }))));
  }

  // --- creating ---------------------------------------------------------------------------------

  renderCreate(dir) {
    const parent = this.node.key || '/';
    const name = h('input#create-name', { type: 'text', placeholder: 'name (or a/b/c: missing directories are made)', autocomplete: 'off' });
    const value = h('textarea#create-value', { rows: '6', spellcheck: 'false' });
    const ttl = ttlField('');
    const status = h('p.status#create-status');
    const submit = async (e) => {
      e.preventDefault();
      const rel = name.value.trim();
      if (!rel) { replace(status, 'A name is needed.'); return; }
      const key = joinKey(parent, rel);
      let t;
      try { t = readTtl(ttl); } catch (err) { replace(status, err.message); return; }
      try {
        // prevExist=false: create only, never overwrite something that appeared meanwhile.
        await this.api.put(key, { prevExist: false, dir: dir || null }, dir ? { ttl: t } : { value: value.value, ttl: t });
        toast(`Created ${key}`);
        if (isHidden(key) || key.includes('/_')) this.tree.rememberHidden(key);
        await this.tree.reloadAround(key);
        await this.tree.reveal(key);
      } catch (err) {
        replace(status, err.errorCode === 105 ? `${key} already exists.` : `Create failed: ${err.message}`);
      }
    };
    replace(this.pane, h('form.panel', { 'data-view': 'create', on: { submit } },
      h('h2.key-title', { text: `New ${dir ? 'directory' : 'key'} in ${parent}` }),
      h('label', 'Name', name),
      dir ? null : h('label', 'Value', value),
      h('label', 'TTL in seconds (empty: permanent)', ttl),
      h('div.actions',
        h('button.primary#create', { type: 'submit', text: 'Create' }),
        h('button.secondary', { type: 'button', text: 'Cancel', on: { click: () => this.renderView() } })),
      status));
    name.focus();
  }

  // --- deleting ---------------------------------------------------------------------------------

  async deleteKey() {
    const n = this.node;
    const ok = await modal(`Delete ${n.key}?`, h('p', { text: `The key ${n.key} (modifiedIndex ${n.modifiedIndex}) will be deleted. If someone changes it first, nothing is deleted.` }),
      [{ label: 'Cancel', value: false }, { label: 'Delete', value: true, kind: 'danger' }], { id: 'confirm-delete' });
    if (!ok) return;
    this.unfollow();
    try {
      await this.api.delete(n.key, { prevIndex: n.modifiedIndex });
      toast(`Deleted ${n.key}`);
      this.afterDelete(n.key);
    } catch (e) {
      if (e.errorCode === 101) {
        toast(`${n.key} changed since you saw it; nothing was deleted. Showing the current value.`, 'error');
        this.show(n.key);
      } else toast(`Delete failed: ${e.message}`, 'error');
    }
  }

  async deleteDir() {
    const n = this.node;
    let tree;
    try {
      tree = (await this.api.get(n.key, { recursive: true })).json.node;
    } catch (e) { toast(e.message, 'error'); return; }
    let keys = 0, dirs = 0;
    const walk = (d) => { for (const c of d.nodes || []) { if (c.dir) { dirs++; walk(c); } else keys++; } };
    walk(tree);
    const what = keys + dirs === 0 ? 'It is empty.'
      : `This deletes ${keys} key${keys === 1 ? '' : 's'}${dirs ? ` in ${dirs} subdirector${dirs === 1 ? 'y' : 'ies'}` : ''}, and the directory itself.`;
    const ok = await modal(`Delete ${n.key} and everything in it?`,
      h('div', h('p.count#delete-count', { 'data-keys': String(keys), 'data-dirs': String(dirs), text: what }),
        h('p.muted', { text: 'Hidden keys (names starting with "_") are not listed by the API and are not counted, but they are deleted too.' })),
      [{ label: 'Cancel', value: false },
        { label: `Delete ${n.key}${keys ? ` and ${keys} key${keys === 1 ? '' : 's'}` : ''}`, value: true, kind: 'danger' }],
      { id: 'confirm-delete' });
    if (!ok) return;
    try {
      await this.api.delete(n.key, { recursive: true });
      toast(`Deleted ${n.key} (${keys} keys)`);
      this.afterDelete(n.key);
    } catch (e) { toast(`Delete failed: ${e.message}`, 'error'); }
  }

  async afterDelete(key) {
    const parent = parentOf(key);
    await this.tree.reloadAround(key);
    this.tree.select(parent);
  }
}

