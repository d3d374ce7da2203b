// The cluster view: GET /v2/members, then for each member its advertised client URL's /health and
// /v2/stats/self (cross-origin for the other members: arbor and etcd answer with CORS headers),
// plus /v2/stats/store and /version from the member serving the page. Refreshes by itself while
// visible.

import { h, replace, timeOfDay } from './dom.js';

const kRefreshMs = 5000;

const stateName = (s) => ({ StateLeader: 'leader', StateFollower: 'follower', StateCandidate: 'candidate',
  StatePreCandidate: 'pre-candidate' })[s] || s || 'unknown';

export class ClusterView {
  constructor(api, root) {
    this.api = api;
    this.root = root;
    this.timer = null;
    this.visible = false;
    this.busy = false;
    replace(root, h('p.muted', { text: 'Loading…' }));
  }

  setVisible(on) {
    this.visible = on;
    clearInterval(this.timer);
    this.timer = null;
    if (on) {
      this.refresh();
      this.timer = setInterval(() => this.refresh(), kRefreshMs);
    }
  }

  async memberInfo(m) {
    const url = (m.clientURLs || [])[0];
    if (!url) return { error: 'no client URL published yet' };
    const base = url.replace(/\/+$/, '');
    const [health, self] = await Promise.allSettled([
      this.api.send('GET', `${base}/health`, { auth: false, timeoutMs: 3000 }),
      this.api.send('GET', `${base}/v2/stats/self`, { auth: false, timeoutMs: 3000 }),
    ]);
    const info = {};
    if (health.status === 'fulfilled') info.health = health.value.json?.health === 'true' || health.value.json?.health === true;
    else info.health = health.reason.status === 503 ? false : null;
    if (self.status === 'fulfilled') info.self = self.value.json;
    else info.error = self.reason;
    return info;
  }

  async refresh() {
    if (this.busy) return;
    this.busy = true;
    try {
      const [members, store, version] = await Promise.allSettled([
        this.api.members(),
        this.api.send('GET', '/v2/stats/store', { auth: false, timeoutMs: 5000 }),
        this.api.send('GET', '/version', { auth: false, timeoutMs: 5000 }),
      ]);
      const list = members.status === 'fulfilled' ? members.value.json.members || [] : [];
      const infos = await Promise.all(list.map((m) => this.memberInfo(m)));
      this.render(list, infos, members, store, version);
    } finally {
      this.busy = false;
    }
  }

  render(list, infos, members, store, version) {
    let leaderId = null;
    for (const i of infos) if (i.self?.leaderInfo?.leader) leaderId = i.self.leaderInfo.leader;
    const leader = list.find((m) => m.id === leaderId);
    const healthy = infos.filter((i) => i.health === true).length;
    const v = version.status === 'fulfilled' ? version.value.json : null;

    const summary = h('div.cards',
      card('members', String(list.length)),
      card('healthy', `${healthy} / ${list.length}`, healthy === list.length && list.length > 0 ? 'ok' : 'bad'),
      card('leader', leader ? (leader.name || leader.id) : leaderId || 'none', leaderId ? 'ok' : 'bad'),
      card('server version', v?.etcdserver ?? '—'),
      card('cluster version', v?.etcdcluster ?? '—'));

    const rows = list.map((m, k) => {
      const i = infos[k];
      const self = i.self || {};
      return h('tr.member', { 'data-id': m.id },
        h('td', { text: m.name || '(not started)' }),
        h('td.mono', { text: m.id }),
        h('td.nowrap', m.id === leaderId ? h('span.badge.leader', { text: '★ leader' })
          : h(`span.state.s-${stateName(self.state)}`, { text: i.self ? stateName(self.state) : '—' })),
        h('td', h(`span.health.h-${i.health}`, { text: i.health === true ? 'healthy' : i.health === false ? 'unhealthy' : 'unreachable' })),
        h('td.mono', { text: (m.clientURLs || []).join(', ') || '—' }),
        h('td.mono', { text: (m.peerURLs || []).join(', ') }),
        h('td', { text: self.startTime ? new Date(self.startTime).toLocaleString() : '—' }),
        h('td', { text: self.leaderInfo?.uptime ?? '—' }),
        h('td.error', { title: i.error ? i.error.message : null,
          text: i.error ? (i.error.status ? `stats: ${i.error.message}` : 'unreachable from this browser') : '' }));
    });

    const parts = [h('div.cluster-head', h('h2', { text: 'Cluster' }),
      h('span.muted#cluster-updated', { text: `updated ${timeOfDay()} · refreshes every ${kRefreshMs / 1000} s` })), summary];
    if (members.status === 'rejected') parts.push(h('p.error', { text: `GET /v2/members failed: ${members.reason.message}` }));
    parts.push(h('h3', { text: 'Members' }), h('div.table-wrap', h('table.members#members',
      h('thead', h('tr', ['name', 'id', 'state', 'health', 'client URLs', 'peer URLs', 'started', 'leader uptime', '']
        .map((t) => h('th', { text: t })))),
      h('tbody', rows))));
    if (store.status === 'fulfilled') {
      const s = store.value.json;
      parts.push(h('h3', { text: 'Store counters (/v2/stats/store)' }),
        h('div.counters#store-stats', Object.entries(s).map(([k, val]) =>
          h('div.counter', { 'data-name': k }, h('span.n', { text: String(val) }), h('span.l', { text: k })))));
    } else {
      parts.push(h('p.error', { text: `GET /v2/stats/store failed: ${store.reason.message}` }));
    }
    replace(this.root, h('div.panel', parts));
  }
}

function card(label, value, kind = '') {
  return h(`div.card${kind ? '.' + kind : ''}`, h('span.v', { text: value }), h('span.l', { text: label }));
}
