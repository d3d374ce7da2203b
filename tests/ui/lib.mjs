// The vocabulary of the UI tests: start a cluster member on free loopback ports (bin/arbor when it
// serves /ui/ itself, else real etcd plus the static server), talk to it as "another client", drive
// the page in headless Debian Chromium, and wait with deadlines.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from './static_server.mjs';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arborBin = path.join(repo, 'bin/arbor');

// Every server process the tests started, so that none outlives the runner: on exit (or Ctrl-C)
// the ones still running are killed by their PID.
const children = new Set();
function track(proc) {
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  return proc;
}
function killChildren() {
  for (const p of children) {
    try { process.kill(p.pid, 'SIGKILL'); } catch {}
  }
  children.clear();
}
process.on('exit', killChildren);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killChildren(); process.exit(130); });

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `fn` until it returns a truthy value, or throws after `timeoutMs` naming `what`.
export async function eventually(what, fn, timeoutMs = 10000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}

// "Another client": plain HTTP to the v2 API, with optional basic auth.
export class Client {
  constructor(base, auth) { this.base = base; this.auth = auth; }
  async req(method, p, { form, json } = {}) {
    const headers = {};
    if (this.auth) headers.Authorization = 'Basic ' + Buffer.from(this.auth).toString('base64');
    let body;
    if (form) body = new URLSearchParams(form);
    if (json) { body = JSON.stringify(json); headers['Content-Type'] = 'application/json'; }
    const res = await fetch(this.base + p, { method, headers, body, signal: AbortSignal.timeout(10000) });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    return { status: res.status, data, index: Number(res.headers.get('x-etcd-index')) };
  }
  key(k) { return '/v2/keys' + k.split('/').map(encodeURIComponent).join('/'); }
  set(k, value, extra = '') { return this.req('PUT', this.key(k) + extra, { form: { value } }); }
  mkdir(k) { return this.req('PUT', this.key(k) + '?dir=true'); }
  get(k, q = '') { return this.req('GET', this.key(k) + q); }
  del(k, q = '') { return this.req('DELETE', this.key(k) + q); }
  async setMany(entries, parallel = 16) {
    let i = 0;
    const worker = async () => {
      while (i < entries.length) {
        const [k, v] = entries[i++];
        const r = await this.set(k, v);
        if (r.status >= 300) throw new Error(`PUT ${k}: ${r.status} ${JSON.stringify(r.data)}`);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  }
}

async function httpOk(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch { return false; }
}

// A cluster of `n` members on loopback: real etcd, with the page from the static server talking
// to the first, or bin/arbor (kind 'arbor'), whose first member serves the page itself. For the
// cluster view, whatever the main server is.
export class EtcdCluster {
  static async start(n, kind = 'etcd') {
    const c = new EtcdCluster();
    c.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-ui-cluster-'));
    const ports = new Set();
    while (ports.size < 2 * n) ports.add(await freePort());
    const p = [...ports];
    c.members = Array.from({ length: n }, (_, i) => ({ name: `m${i + 1}`,
      client: `http://127.0.0.1:${p[2 * i]}`, peer: `http://127.0.0.1:${p[2 * i + 1]}` }));
    const initial = c.members.map((m) => `${m.name}=${m.peer}`).join(',');
    for (const m of c.members) {
      const log = fs.openSync(path.join(c.dataDir, `${m.name}.log`), 'a');
      m.proc = track(spawn(kind === 'arbor' ? arborBin : 'etcd', ['--enable-v2=true', '--name', m.name, '--data-dir', path.join(c.dataDir, m.name),
        '--listen-client-urls', m.client, '--advertise-client-urls', m.client,
        '--listen-peer-urls', m.peer, '--initial-advertise-peer-urls', m.peer,
        '--initial-cluster', initial, '--initial-cluster-token', `ui-${p[0]}`], { stdio: ['ignore', log, log] }));
      m.exited = false;
      m.proc.on('exit', () => { m.exited = true; });
      m.proc.on('error', (e) => { m.exited = true; m.spawnError = e; });
    }
    try {
      await eventually(`${n} ${kind} members to be healthy`, async () => {
        for (const m of c.members) {
          if (m.spawnError) throw new Error(`cannot start ${kind}: ${m.spawnError.message}`);
          const r = await fetch(`${m.client}/health`, { signal: AbortSignal.timeout(1000) });
          if (r.status !== 200 || !(await r.text()).includes('true')) return false;
        }
        return true;
      }, 30000, 250);
    } catch (e) {
      await c.stop();
      throw e;
    }
    c.kind = kind;
    c.api = c.members[0].client;
    if (kind === 'arbor') {
      c.pageBase = c.api;
    } else {
      c.static = await startStaticServer(0);
      c.pageBase = `http://127.0.0.1:${c.static.address().port}`;
    }
    return c;
  }

  pageUrl(hash = '') { return `${this.pageBase}/ui/?api=${encodeURIComponent(this.api)}${hash}`; }

  async kill(i) {
    const m = this.members[i];
    if (m.exited || m.spawnError) return;
    const gone = new Promise((r) => m.proc.once('exit', r));
    m.proc.kill('SIGKILL');
    await gone;
  }

  async stop() {
    if (this.static) await new Promise((r) => this.static.close(r));
    for (let i = 0; i < this.members.length; i++) await this.kill(i);
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// One cluster member and the URL of the page that talks to it.
// kind (UI_TEST_SERVER): 'arbor' (the default: bin/arbor serves the page and the API), 'etcd'
// (real etcd + the static server, cross-origin), 'arbor-static' (bin/arbor's API with the page
// from the static server), or 'etcd-proxy' (see below).
export class Server {
  static async start(want = process.env.UI_TEST_SERVER || 'arbor') {
    if (want === 'arbor-static' || want === 'etcd-proxy') {
      const s = new Server();
      await s.spawnMember(want === 'arbor-static' ? 'arbor' : 'etcd');
      s.kind = want;
      // etcd-proxy: the static server passes the API through, so the page and the API share one
      // origin (X-Etcd-Index is readable), as when arbor serves the page.
      s.static = await startStaticServer(0, want === 'etcd-proxy' ? s.api : null);
      s.pageBase = `http://127.0.0.1:${s.static.address().port}`;
      return s;
    }
    if (want === 'arbor') {
      if (!fs.existsSync(arborBin)) throw new Error(`${arborBin} is not built (make build), or set UI_TEST_SERVER=etcd`);
      const s = new Server();
      await s.spawnMember('arbor');
      if (await httpOk(`${s.api}/ui/`)) return s;
      await s.stop();
      throw new Error('bin/arbor does not serve /ui/');
    }
    if (want !== 'etcd') throw new Error(`UI_TEST_SERVER=${want}: expected arbor, etcd, arbor-static or etcd-proxy`);
    const s = new Server();
    await s.spawnMember('etcd');
    s.static = await startStaticServer(0);
    s.pageBase = `http://127.0.0.1:${s.static.address().port}`;
    return s;
  }

  async spawnMember(kind) {
    this.kind = kind;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-ui-'));
    const client = await freePort();
    let peer = await freePort();
    while (peer === client) peer = await freePort();
    this.api = `http://127.0.0.1:${client}`;
    this.pageBase = this.api;
    const peerUrl = `http://127.0.0.1:${peer}`;
    const args = ['--name', 'ui', '--data-dir', path.join(this.dataDir, 'data'),
      '--listen-client-urls', this.api, '--advertise-client-urls', this.api,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `ui=${peerUrl}`];
    if (kind === 'etcd') args.push('--enable-v2=true');
    const bin = kind === 'etcd' ? 'etcd' : arborBin;
    const log = fs.openSync(path.join(this.dataDir, 'server.log'), 'a');
    this.proc = track(spawn(bin, args, { stdio: ['ignore', log, log] }));
    this.exited = false;
    this.proc.on('exit', () => { this.exited = true; });
    // A binary that cannot start (missing, not executable) fails the wait below, not the runner.
    this.proc.on('error', (e) => { this.exited = true; this.spawnError = e; });
    try {
      await eventually(`${kind} to answer on ${this.api}`, async () => {
        if (this.spawnError) throw new Error(`cannot start ${bin}: ${this.spawnError.message}`);
        if (this.exited) throw new Error(`${kind} exited; see ${this.dataDir}/server.log`);
        const r = await fetch(`${this.api}/v2/keys/`, { signal: AbortSignal.timeout(1000) });
        await r.arrayBuffer();
        return r.status === 200;
      }, 15000);
    } catch (e) {
      let tail = '';
      try { tail = fs.readFileSync(path.join(this.dataDir, 'server.log'), 'utf8').slice(-1500); } catch {}
      await this.stop();
      throw new Error(`${e.message}\n${tail}`);
    }
    this.client = new Client(this.api);
  }

  get description() {
    if (this.kind === 'arbor') return `bin/arbor at ${this.api} (page from the server itself)`;
    if (this.kind === 'etcd-proxy') return `etcd at ${this.api} behind the static page server ${this.pageBase} (same origin)`;
    return `${this.kind === 'etcd' ? 'etcd' : 'bin/arbor'} at ${this.api} + static page server ${this.pageBase}`;
  }

  // The page URL; `hash` like "#/keys/a". In etcd mode the API base goes in ?api=.
  pageUrl(hash = '') {
    const q = this.kind !== 'arbor' && this.kind !== 'etcd-proxy' ? `?api=${encodeURIComponent(this.api)}` : '';
    return `${this.pageBase}/ui/${q}${hash}`;
  }

  async stop() {
    if (this.static) await new Promise((r) => this.static.close(r));
    this.static = null;
    if (this.proc && !this.exited && !this.spawnError) {
      const gone = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => { if (!this.exited) this.proc.kill('SIGKILL'); }, 3000);
      await gone;
      clearTimeout(t);
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
