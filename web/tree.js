// The key tree: directories load their children lazily when expanded, and the visible rows are
// virtualised (only the rows in view exist in the DOM), so a directory with tens of thousands of
// children scrolls as smoothly as one with ten.
//
// The v2 API never lists hidden keys (last component starting with '_'). The tree remembers the
// hidden keys this tab has met (opened by path, created here, seen in a watch) and shows them
// under their parents when "show hidden" is on.

import { h, replace, formatSeconds } from './dom.js';
import { isHidden, nameOf, parentOf } from './api.js';

const kRowHeight = 26;  // px; must match .tree-row in style.css.
const kOverscan = 12;   // rows rendered above and below the viewport.

function makeNode(data, depth) {
  const key = data.key || '/';
  return {
    key, name: nameOf(key), dir: Boolean(data.dir), depth, data,
    receivedAt: performance.now(), expanded: false, loaded: false, loading: false,
    error: null, children: [],
  };
}

export class Tree {
  // `api` is the Api; `onSelect(node)` is called when the user selects a row.
  constructor(api, viewport, { onSelect }) {
    this.api = api;
    this.viewport = viewport;
    this.onSelect = onSelect;
    this.root = makeNode({ dir: true }, 0);
    this.filter = '';
    this.showHidden = false;
    this.knownHidden = new Set();
    this.selected = '/';
    this.rows = [];
    this.spacer = h('div.tree-spacer');
    this.layer = h('div.tree-rows');
    this.spacer.append(this.layer);
    replace(viewport, this.spacer);
    viewport.addEventListener('scroll', () => this.scheduleRender());
    new ResizeObserver(() => this.scheduleRender()).observe(viewport);
    viewport.addEventListener('keydown', (e) => this.onKey(e));
  }

  find(key, node = this.root) {
    if (node.key === key) return node;
    if (!node.dir || !(key === node.key || key.startsWith(node.key === '/' ? '/' : node.key + '/'))) {
      return null;
    }
    for (const c of node.children) {
      const f = this.find(key, c);
      if (f) return f;
    }
    return null;
  }

  rememberHidden(key) {
    // Every hidden component along the path counts: /_a/b is under the hidden /_a.
    const parts = key.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      if (parts[i - 1].startsWith('_')) this.knownHidden.add('/' + parts.slice(0, i).join('/'));
    }
  }

  // (Re)loads a directory's children, keeping the expansion state of those that survive. Calls
  // made while a load of the same directory is in flight share it.
  load(node) {
    if (!node.loadPromise) {
      node.loadPromise = this.doLoad(node).finally(() => { node.loadPromise = null; });
    }
    return node.loadPromise;
  }

  async doLoad(node) {
    node.loading = true;
    this.refresh();
    try {
      const r = await this.api.get(node.key, { sorted: true });
      const found = (r.json.node.nodes || []).slice();
      // Hidden keys the API does not list: check that the ones we know of still exist.
      const hidden = [...this.knownHidden].filter((k) => parentOf(k) === node.key);
      for (const k of hidden) {
        try {
          found.push((await this.api.get(k)).json.node);
        } catch (e) {
          if (e.errorCode === 100) this.knownHidden.delete(k);
        }
      }
      node.data = r.json.node;
      node.receivedAt = performance.now();
      // Taken after the awaits: others may have expanded children meanwhile (e.g. reveal()).
      const old = new Map(node.children.map((c) => [c.key, c]));
      const children = found.map((d) => {
        const prev = old.get(d.key);
        const c = makeNode(d, node.depth + 1);
        if (prev && prev.dir && c.dir) {
          Object.assign(c, { expanded: prev.expanded, loaded: prev.loaded, children: prev.children });
        }
        return c;
      });
      children.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      node.children = children;
      node.loaded = true;
      node.error = null;
    } catch (e) {
      node.error = e.message;
      if (e.errorCode === 100 && node !== this.root) node.gone = true;
    } finally {
      node.loading = false;
      this.refresh();
    }
  }

  // Reloads every loaded directory that is open (the root first), e.g. after others wrote.
  async reloadOpen(node = this.root) {
    if (!node.dir || !node.loaded) return;
    await this.load(node);
    for (const c of node.children) if (c.dir && c.expanded) await this.reloadOpen(c);
  }

  async expand(node, open = true) {
    if (!node.dir) return;
    node.expanded = open;
    if (open && !node.loaded) await this.load(node);
    else this.refresh();
  }

  // Reloads every loaded directory on the path from the root to `key`'s parent, then `key` itself
  // if it is an expanded directory.
  async reloadAround(key) {
    const parent = this.find(parentOf(key)) || this.root;
    if (parent.loaded) await this.load(parent);
    const node = this.find(key);
    if (node && node.dir && node.loaded) await this.load(node);
  }

  // Expands every ancestor of `key` (loading them as needed) and selects it.
  async reveal(key) {
    const parts = key.split('/').filter(Boolean);
    // A hidden key (or one under a hidden directory) is missing from listings already loaded.
    const hidden = parts.some((p) => p.startsWith('_'));
    if (hidden) this.rememberHidden(key);
    let node = this.root;
    if (!node.loaded || hidden) await this.load(node);
    node.expanded = true;
    for (let i = 1; i < parts.length; i++) {
      const next = this.find('/' + parts.slice(0, i).join('/'));
      if (!next || !next.dir) break;
      node = next;
      if (!node.loaded || hidden) await this.load(node);
      node.expanded = true;
    }
    this.select(key, { scroll: true });
  }

  select(key, { scroll = false } = {}) {
    this.selected = key;
    this.refresh();
    if (scroll) {
      const i = this.rows.findIndex((n) => n.key === key);
      if (i >= 0) {
        const top = i * kRowHeight;
        if (top < this.viewport.scrollTop || top + kRowHeight > this.viewport.scrollTop +
            this.viewport.clientHeight) {
          this.viewport.scrollTop = Math.max(0, top - this.viewport.clientHeight / 2);
        }
      }
    }
    const node = this.find(key);
    this.onSelect(key, node);
  }

  setFilter(text) { this.filter = text.trim().toLowerCase(); this.refresh(); }
  setShowHidden(on) { this.showHidden = on; this.refresh(); }

  // Rebuilds the flat list of visible rows, then renders the slice in view.
  refresh() {
    const rows = [];
    const visit = (node) => {
      const out = [];
      if (node.dir && node.expanded) {
        for (const c of node.children) {
          if (!this.showHidden && isHidden(c.key)) continue;
          out.push(...visit(c));
        }
      }
      const matches = !this.filter || node.name.toLowerCase().includes(this.filter);
      if (node === this.root || matches || out.length > 0) return [node, ...out];
      return [];
    };
    rows.push(...visit(this.root));
    this.rows = rows;
    this.spacer.style.height = `${rows.length * kRowHeight}px`;
    this.render();
  }

  scheduleRender() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => { this.pending = 0; this.render(); });
  }

  render() {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / kRowHeight) - kOverscan);
    const last = Math.min(this.rows.length, Math.ceil((top + height) / kRowHeight) + kOverscan);
    const els = [];
    for (let i = first; i < last; i++) els.push(this.renderRow(this.rows[i], i));
    replace(this.layer, els);
  }

  renderRow(node, i) {
    const twisty = node.dir
      ? h('span.twisty', { role: 'button', 'aria-label': node.expanded ? 'collapse' : 'expand',
        text: node.loading ? '…' : node.expanded ? '▾' : '▸',
        on: { click: (e) => { e.stopPropagation(); this.expand(node, !node.expanded); } } })
      : h('span.twisty.leaf');
    const label = node === this.root ? '/' : node.name;
    const meta = [];
    if (node.dir && node.expanded && node.loaded) {
      meta.push(h('span.count', { text: `${node.children.filter((c) =>
        this.showHidden || !isHidden(c.key)).length}` }));
    }
    if (!node.dir && node.data.value != null) {
      meta.push(h('span.preview', { text: node.data.value.slice(0, 80) }));
    }
    if (node.data.ttl != null || node.data.expiration) {
      const left = (node.data.ttl ?? 0) - (performance.now() - node.receivedAt) / 1000;
      meta.push(h('span.badge.ttl', { title: 'time to live', 'data-deadline': String(performance.now() + left * 1000),
        text: `TTL ${formatSeconds(left)}` }));
    }
    if (node.error) meta.push(h('span.row-error', { text: node.error }));
    const row = h('div.tree-row', {
      role: 'treeitem', 'data-key': node.key, 'data-dir': node.dir ? 'true' : 'false',
      'aria-selected': node.key === this.selected ? 'true' : 'false',
      'aria-expanded': node.dir ? String(node.expanded) : null,
      class: `tree-row${node.key === this.selected ? ' selected' : ''}${isHidden(node.key) ? ' hidden-key' : ''}`,
      style: { top: `${i * kRowHeight}px`, paddingLeft: `${6 + node.depth * 16}px` },
      on: {
        click: () => this.select(node.key),
        dblclick: () => node.dir && this.expand(node, !node.expanded),
      },
    }, twisty, h(`span.icon.${node.dir ? 'dir' : 'file'}`), h('span.name', { text: label }), meta);
    return row;
  }

  // Counts the TTL badges in view down, in place (re-rendering would eat clicks in progress).
  tickTtl() {
    for (const b of this.layer.querySelectorAll('.ttl[data-deadline]')) {
      b.textContent = `TTL ${formatSeconds((Number(b.dataset.deadline) - performance.now()) / 1000)}`;
    }
  }

  onKey(e) {
    const i = this.rows.findIndex((n) => n.key === this.selected);
    if (i < 0) return;
    const node = this.rows[i];
    if (e.key === 'ArrowDown' && i + 1 < this.rows.length) this.select(this.rows[i + 1].key, { scroll: true });
    else if (e.key === 'ArrowUp' && i > 0) this.select(this.rows[i - 1].key, { scroll: true });
    else if (e.key === 'ArrowRight' && node.dir) this.expand(node, true);
    else if (e.key === 'ArrowLeft' && node.dir && node.expanded) this.expand(node, false);
    else return;
    e.preventDefault();
  }
}
