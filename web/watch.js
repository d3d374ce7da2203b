// The live watch panel: a long-poll loop over GET ?wait=true&waitIndex=N, the way etcd's own
// clients do it (spec v2-watch.md §6):
//   next = index of the state we start from + 1
//   loop: GET ?wait=true&waitIndex=next[&recursive=true]
//         an event       -> show it; next = event.node.modifiedIndex + 1 (not X-Etcd-Index)
//         an empty 200   -> the server dropped the watcher; ask again, unchanged
//         errorCode 401  -> the history no longer reaches `next`: re-read, next = X-Etcd-Index + 1
//         network error  -> wait (backing off) and ask again from the same `next`
// so no event is lost or shown twice across reconnects.

import { h, replace, timeOfDay, toast } from './dom.js';
import { EtcdError } from './api.js';

const kMaxRows = 500;

export class WatchPanel {
  constructor(api, root) {
    this.api = api;
    this.root = root;
    this.running = false;
    this.ctl = null;
    this.next = null;
    this.count = 0;
    this.onEvent = null;  // Called with each event shown.
    this.build();
  }

  build() {
    this.keyInput = h('input#watch-key', { type: 'text', value: '/', spellcheck: 'false', 'aria-label': 'key to watch' });
    this.recursive = h('input#watch-recursive', { type: 'checkbox', checked: true });
    this.fromIndex = h('input#watch-from', { type: 'number', min: '1', placeholder: 'now', 'aria-label': 'start from index' });
    this.startBtn = h('button.primary#watch-start', { text: 'Start', on: { click: () => this.start() } });
    this.stopBtn = h('button.secondary#watch-stop', { text: 'Stop', disabled: true, on: { click: () => this.stop() } });
    this.status = h('div.watch-status#watch-status', { text: 'Not watching.' });
    this.tbody = h('tbody#watch-events');
    replace(this.root, h('div.panel',
      h('form.watch-controls', { on: { submit: (e) => { e.preventDefault(); this.start(); } } },
        h('label.inline', 'Key ', this.keyInput),
        h('label.inline', this.recursive, ' recursive'),
        h('label.inline', 'from index ', this.fromIndex),
        this.startBtn, this.stopBtn,
        h('button.secondary', { type: 'button', text: 'Clear', on: { click: () => { replace(this.tbody); this.count = 0; } } })),
      this.status,
      h('div.table-wrap', h('table.events',
        h('thead', h('tr', ['time', 'index', 'action', 'key', 'previous value', 'new value'].map((t) => h('th', { text: t })))),
        this.tbody))));
  }

  setStatus(text, kind = '') {
    this.status.textContent = text;
    this.status.className = `watch-status ${kind}`;
  }

  // Starts watching `key` (replacing any current watch).
  watch(key, recursive) {
    this.keyInput.value = key;
    this.recursive.checked = recursive;
    this.fromIndex.value = '';
    this.start();
  }

  start() {
    this.stop();
    const key = this.keyInput.value.trim() || '/';
    const recursive = this.recursive.checked;
    const from = this.fromIndex.value.trim();
    this.running = true;
    this.ctl = new AbortController();
    this.startBtn.disabled = true;
    this.stopBtn.disabled = false;
    this.next = from ? Number(from) : null;
    this.loop(key, recursive, this.ctl.signal);
  }

  stop() {
    if (this.ctl) this.ctl.abort();
    this.ctl = null;
    if (this.running) this.setStatus(`Stopped. Next index would be ${this.next ?? '—'}.`);
    this.running = false;
    this.startBtn.disabled = false;
    this.stopBtn.disabled = true;
  }

  // The index to continue from after (re)reading `key`: X-Etcd-Index + 1 when the header is
  // readable (same origin), else the error body's index (a missing key), else 0 ("from now").
  async resync(key, signal) {
    try {
      const r = await this.api.get(key, null, { signal });
      return r.etcdIndex != null ? r.etcdIndex + 1 : 0;
    } catch (e) {
      if (e instanceof EtcdError && e.errorCode === 100 && e.index != null) return e.index + 1;
      throw e;
    }
  }

  async loop(key, recursive, signal) {
    const what = `${key}${recursive ? ' (recursive)' : ''}`;
    let backoff = 500;
    while (!signal.aborted) {
      try {
        if (this.next == null) this.next = await this.resync(key, signal);
        this.setStatus(`Watching ${what} · waiting for index ${this.next || 'after now'} · ${this.count} events`, 'live');
        const r = await this.api.get(key, { wait: true, waitIndex: this.next, recursive: recursive || null }, { signal });
        backoff = 500;
        // An empty 200 means the server ended the long poll without an event: ask again.
        if (r.json == null || !r.json.node) continue;
        this.show(r.json);
        this.next = r.json.node.modifiedIndex + 1;
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof EtcdError && e.errorCode === 401) {
          // The 1000-event history has moved past `next`: events in between are gone. Re-read and
          // continue from the current index, and say so in the list.
          const lost = this.next;
          this.next = null;
          try {
            this.next = await this.resync(key, signal);
          } catch (e2) {
            this.next = 0;
          }
          // Without a readable X-Etcd-Index (cross-origin), the error's own index is the store
          // index when the watch was refused.
          if (!this.next && e.index != null) this.next = e.index + 1;
          this.notice(`History cleared: events from index ${lost} were compacted away. Resynced; continuing from index ${this.next}.`);
          continue;
        }
        if (e instanceof EtcdError && e.needsLogin) {
          this.setStatus(`Login required to watch ${key}.`, 'error');
          await this.waitFor('arbor-login', signal);
          continue;
        }
        if (e instanceof EtcdError && e.status >= 400 && e.status < 500) {
          this.setStatus(`Watch refused: ${e.message}`, 'error');
          toast(`Watch refused: ${e.message}`, 'error');
          this.stop();
          return;
        }
        // Network error or a 5xx: keep our place and try again.
        this.setStatus(`Connection lost (${e.message}); retrying in ${(backoff / 1000).toFixed(1)} s from index ${this.next ?? 'now'}…`, 'warn');
        await this.sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 8000);
      }
    }
  }

  sleep(ms, signal) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
  }

  waitFor(event, signal) {
    return new Promise((resolve) => {
      window.addEventListener(event, resolve, { once: true });
      signal.addEventListener('abort', resolve, { once: true });
    });
  }

  show(ev) {
    this.count++;
    const n = ev.node, p = ev.prevNode;
    const cell = (v, cls) => h(`td${cls}`, v == null ? h('span.muted', { text: '—' }) : h('span.value-cell', { text: v }));
    const row = h('tr.event', { 'data-action': ev.action, 'data-key': n.key, 'data-index': String(n.modifiedIndex) },
      h('td.time', { text: timeOfDay() }),
      h('td.index', { text: String(n.modifiedIndex) }),
      h('td', h(`span.action.a-${ev.action}`, { text: ev.action })),
      h('td.key', { text: (n.key || '/') + (n.dir ? '/' : '') }),
      cell(p ? (p.dir ? '(directory)' : p.value) : null, '.old'),
      cell(n.dir ? '(directory)' : n.value, '.new'));
    this.tbody.prepend(row);
    if (this.onEvent) this.onEvent(ev);
    while (this.tbody.children.length > kMaxRows) this.tbody.lastChild.remove();
  }

  notice(text) {
    this.tbody.prepend(h('tr.notice', h('td', { colspan: '6', text: `${timeOfDay()} — ${text}` })));
  }
}
