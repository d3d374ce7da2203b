// The page's only way to the cluster: the public etcd v2 HTTP API (/v2/keys, /v2/members,
// /v2/stats, /v2/auth, /health, /version), the same one every client uses.
//
// The base URL is the page's own origin (arbor serves the page at /ui/ on its client port), or the
// `?api=` query parameter for development against another server (kept in sessionStorage).
// Credentials live in sessionStorage only: they go away with the browser tab.

const kAuthKey = 'arbor.auth';
const kUserKey = 'arbor.user';
const kApiKey = 'arbor.api';

// An etcd error reply: {errorCode, message, cause, index} for /v2/keys, {message} elsewhere.
export class EtcdError extends Error {
  constructor(status, body, etcdIndex) {
    const message = (body && body.message) || `HTTP ${status}`;
    super(body && body.cause ? `${message} (${body.cause})` : message);
    this.status = status;
    this.errorCode = body && body.errorCode;
    this.cause = body && body.cause;
    // The store index when the error happened: the header when readable, else the body's field.
    this.index = etcdIndex ?? (body && body.index);
  }
  // 401 with errorCode 110 on /v2/keys, or {"message":"Insufficient credentials"} elsewhere.
  get needsLogin() { return this.status === 401 && this.errorCode !== 401; }
}

// A failure to reach the server at all (connection refused, reset, timeout).
export class NetworkError extends Error {}

function base64Utf8(s) {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

// "/a/b c" -> "/a/b%20c": each path component percent-encoded, slashes kept.
export function encodeKey(key) {
  return key.split('/').filter((s) => s !== '').map(encodeURIComponent).join('/');
}

export function parentOf(key) {
  const i = key.lastIndexOf('/');
  return i <= 0 ? '/' : key.slice(0, i);
}

export function nameOf(key) {
  return key === '/' ? '/' : key.slice(key.lastIndexOf('/') + 1);
}

export function joinKey(dir, name) {
  const clean = name.split('/').filter((s) => s !== '').join('/');
  return (dir === '/' ? '' : dir) + '/' + clean;
}

// The hidden-key rule: a node whose last path component starts with '_'.
export const isHidden = (key) => nameOf(key).startsWith('_');

export class Api {
  constructor() {
    const fromQuery = new URLSearchParams(location.search).get('api');
    if (fromQuery) sessionStorage.setItem(kApiKey, fromQuery);
    this.base = (sessionStorage.getItem(kApiKey) || location.origin).replace(/\/+$/, '');
    this.onLoginNeeded = null;  // Called with the EtcdError when a request is refused (401).
    this.lastIndex = null;      // The newest X-Etcd-Index seen (null when not readable).
    this.onIndex = null;
  }

  get user() { return sessionStorage.getItem(kUserKey); }
  get authorization() { return sessionStorage.getItem(kAuthKey); }

  login(user, password) {
    sessionStorage.setItem(kAuthKey, 'Basic ' + base64Utf8(`${user}:${password}`));
    sessionStorage.setItem(kUserKey, user);
  }

  logout() {
    sessionStorage.removeItem(kAuthKey);
    sessionStorage.removeItem(kUserKey);
  }

  keyUrl(key, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) if (v != null) q.set(k, String(v));  // null omits; false is sent (prevExist=false)
    const qs = q.toString();
    return `${this.base}/v2/keys/${encodeKey(key)}${qs ? '?' + qs : ''}`;
  }

  // Sends one request. Resolves to {status, etcdIndex, json, text} for 2xx (json is null for an
  // empty body). Rejects with EtcdError for an error reply and NetworkError when unreachable.
  // `url` is absolute or relative to the API base. `auth: false` sends no credentials (the free
  // endpoints: /health, /v2/stats, /version), which keeps cross-origin requests "simple".
  async send(method, url, { form, signal, auth = true, timeoutMs } = {}) {
    if (!/^https?:/.test(url)) url = this.base + url;
    const headers = {};
    if (auth && this.authorization) headers.Authorization = this.authorization;
    let body;
    if (form) {
      body = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) if (v != null) body.set(k, String(v));
    }
    let timer;
    if (timeoutMs) {
      const ctl = new AbortController();
      timer = setTimeout(() => ctl.abort(new NetworkError('timed out')), timeoutMs);
      signal = signal ? AbortSignal.any([signal, ctl.signal]) : ctl.signal;
    }
    let res, text;
    try {
      res = await fetch(url, { method, headers, body, signal, cache: 'no-store' });
      text = await res.text();
    } catch (e) {
      if (signal && signal.aborted && !(signal.reason instanceof NetworkError)) throw e;
      throw new NetworkError(e instanceof NetworkError ? e.message : `cannot reach ${url}: ${e.message}`);
    } finally {
      clearTimeout(timer);
    }
    // X-Etcd-Index is readable on the same origin; cross-origin etcd does not expose it.
    const header = res.headers.get('X-Etcd-Index');
    const etcdIndex = header != null && header !== '' ? Number(header) : null;
    if (etcdIndex != null) {
      this.lastIndex = etcdIndex;
      if (this.onIndex) this.onIndex(etcdIndex);
    }
    let json = null;
    if (text.trim() !== '') {
      try { json = JSON.parse(text); } catch { json = null; }
    }
    if (res.status >= 200 && res.status < 300) return { status: res.status, etcdIndex, json, text };
    const err = new EtcdError(res.status, json || { message: text.trim() || `HTTP ${res.status}` },
      etcdIndex);
    if (err.needsLogin && auth && this.onLoginNeeded) this.onLoginNeeded(err);
    throw err;
  }

  // --- /v2/keys ----------------------------------------------------------------------------------

  get(key, params, opts) { return this.send('GET', this.keyUrl(key, params), opts); }
  put(key, params, form, opts) { return this.send('PUT', this.keyUrl(key, params), { ...opts, form }); }
  delete(key, params, opts) { return this.send('DELETE', this.keyUrl(key, params), opts); }

  // The children of a directory, sorted by key (the API never lists hidden `_` keys).
  async list(dir) {
    const r = await this.get(dir, { sorted: true });
    return r.json.node.nodes || [];
  }

  // --- cluster -----------------------------------------------------------------------------------

  members() { return this.send('GET', '/v2/members', { timeoutMs: 5000 }); }
  authEnabled() { return this.send('GET', '/v2/auth/enable', { auth: false, timeoutMs: 5000 }); }
}
