// Checks cmake/web_assets.cmake end to end without touching the project's build: generate the C++
// source from web/ into a temporary directory, compile it with a small driver, and look every
// file up through arbor::http::find_web_asset.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repo } from './lib.mjs';

export async function checkEmbeddedAssets() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-assets-'));
  try {
    const out = path.join(dir, 'web_assets.cc');
    execFileSync('cmake', [`-DWEB_DIR=${path.join(repo, 'web')}`, `-DOUTPUT=${out}`, '-P',
      path.join(repo, 'cmake/web_assets.cmake')], { stdio: 'pipe' });
    const files = fs.readdirSync(path.join(repo, 'web'), { recursive: true })
      .filter((f) => fs.statSync(path.join(repo, 'web', f)).isFile()).sort();
    const driver = path.join(dir, 'driver.cc');
    fs.writeFileSync(driver, `#include "http/web_assets.h"
#include <cstdio>
#include <cstring>
int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const arbor::http::WebAsset* a = arbor::http::find_web_asset(argv[i]);
    if (a == nullptr) { std::printf("missing %s\\n", argv[i]); return 1; }
    std::printf("%s\\t%zu\\t%.*s\\n", argv[i], a->body.size(), int(a->content_type.size()), a->content_type.data());
  }
  if (arbor::http::find_web_asset("nope.js") != nullptr) return 2;
  if (arbor::http::find_web_asset("../CMakeLists.txt") != nullptr) return 3;
  return 0;
}
`);
    const exe = path.join(dir, 'driver');
    execFileSync('g++', ['-std=c++20', '-Wall', '-Wextra', '-Wconversion', '-Werror', '-O0', '-I', path.join(repo, 'src'),
      out, driver, '-o', exe], { stdio: 'pipe' });
    const lines = execFileSync(exe, ['', ...files], { encoding: 'utf8' }).trimEnd().split('\n');
    const got = Object.fromEntries(lines.map((l) => { const [p, size, type] = l.split('\t'); return [p, { size: Number(size), type }]; }));
    for (const f of files) {
      const size = fs.statSync(path.join(repo, 'web', f)).size;
      if (got[f].size !== size) throw new Error(`${f}: embedded ${got[f].size} bytes, file has ${size}`);
    }
    if (got[''].size !== fs.statSync(path.join(repo, 'web/index.html')).size) throw new Error('"" is not index.html');
    if (!got['app.js'].type.startsWith('text/javascript')) throw new Error(`app.js served as ${got['app.js'].type}`);
    if (!got['index.html'].type.startsWith('text/html')) throw new Error(`index.html served as ${got['index.html'].type}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
