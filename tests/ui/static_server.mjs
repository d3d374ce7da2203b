// A tiny static file server for developing the UI against a server that does not serve /ui/
// itself (real etcd, or an arbor built without the embedded assets). It serves web/ at /ui/ the
// way arbor does: /ui -> 301 /ui/, /ui/<file> -> the file with its content type.
//
//   node tests/ui/static_server.mjs [--port 8080] [--api http://127.0.0.1:2379]
// then open http://127.0.0.1:8080/ui/?api=http://127.0.0.1:2379 (etcd's default --cors allows it);
// or with --proxy http://127.0.0.1:2379, open http://127.0.0.1:8080/ui/ (same origin, as in arbor).

import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

export const contentTypes = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

// Starts the server on 127.0.0.1:`port` (0 = any free port). Resolves to the http.Server.
// With `backend` (e.g. "http://127.0.0.1:2379"), every path outside /ui is passed through to it,
// streaming, so the page and the API share one origin as they do when arbor serves the page.
export function startStaticServer(port = 0, backend = null) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (backend && url.pathname !== '/ui' && !url.pathname.startsWith('/ui/')) {
      const b = new URL(backend);
      const up = http.request({ host: b.hostname, port: b.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: b.host } }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
      res.on('close', () => up.destroy());
      req.pipe(up);
      return;
    }
    if (url.pathname === '/ui' || url.pathname === '/') {
      res.writeHead(301, { Location: '/ui/' + url.search }).end();
      return;
    }
    if (!url.pathname.startsWith('/ui/')) { res.writeHead(404).end('404 page not found\n'); return; }
    const rel = decodeURIComponent(url.pathname.slice(4)) || 'index.html';
    const file = path.resolve(webDir, rel);
    if (!file.startsWith(webDir + path.sep)) { res.writeHead(404).end(); return; }
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, { 'Content-Type': contentTypes[path.extname(file)] || 'application/octet-stream',
        'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(body);
    } catch {
      res.writeHead(404).end('404 page not found\n');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const port = Number(args[args.indexOf('--port') + 1] || 8080) || 8080;
  const api = args.includes('--api') ? args[args.indexOf('--api') + 1] : null;
  const proxy = args.includes('--proxy') ? args[args.indexOf('--proxy') + 1] : null;
  const server = await startStaticServer(port, proxy);
  const p = server.address().port;
  console.log(`serving ${webDir} at http://127.0.0.1:${p}/ui/${api ? `?api=${encodeURIComponent(api)}` : ''}` +
    (proxy ? ` (other paths go to ${proxy})` : ''));
}
