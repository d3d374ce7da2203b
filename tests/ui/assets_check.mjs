// Checks cmake/web_assets.cmake end to end without touching the project's build: a throw-away CMake
// project (a copy of web/ and src/http/web_assets.h, a library named arbor_http and a driver)
// includes the script exactly as the server's CMake would, builds, and looks every file up through
// arbor::http::find_web_asset; then a file in web/ changes and the rebuild must pick it up.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repo } from './lib.mjs';

const driverSource = `#include "http/web_assets.h"
#include <cstdio>
int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const arbor::http::WebAsset* a = arbor::http::find_web_asset(argv[i]);
    if (a == nullptr) { std::printf("missing %s\\n", argv[i]); return 1; }
    std::printf("%s\\t%zu\\t%.*s\\n", argv[i], a->body.size(), int(a->content_type.size()), a->content_type.data());
  }
  if (arbor::http::find_web_asset("nope.js") != nullptr) return 2;
  if (arbor::http::find_web_asset("../CMakeLists.txt") != nullptr) return 3;
  if (arbor::http::find_web_asset("/index.html") != nullptr) return 4;
  return 0;
}
`;

const cmakeLists = `cmake_minimum_required(VERSION 3.20)
project(web_assets_check CXX)
set(CMAKE_CXX_STANDARD 20)
add_compile_options(-Wall -Wextra -Wshadow -Wconversion -Werror)
add_library(arbor_http STATIC)
target_include_directories(arbor_http PUBLIC \${CMAKE_SOURCE_DIR}/src)
include(\${CMAKE_SOURCE_DIR}/cmake/web_assets.cmake)
add_executable(driver driver.cc)
target_link_libraries(driver PRIVATE arbor_http)
`;

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function checkEmbeddedAssets() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-assets-'));
  try {
    fs.cpSync(path.join(repo, 'web'), path.join(dir, 'web'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'src/http'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'cmake'));
    fs.copyFileSync(path.join(repo, 'src/http/web_assets.h'), path.join(dir, 'src/http/web_assets.h'));
    fs.copyFileSync(path.join(repo, 'cmake/web_assets.cmake'), path.join(dir, 'cmake/web_assets.cmake'));
    fs.writeFileSync(path.join(dir, 'driver.cc'), driverSource);
    fs.writeFileSync(path.join(dir, 'CMakeLists.txt'), cmakeLists);
    const build = path.join(dir, 'build');
    const generator = fs.existsSync('/usr/bin/ninja') ? ['-G', 'Ninja'] : [];
    run('cmake', ['-S', dir, '-B', build, ...generator, '-DCMAKE_BUILD_TYPE=Debug'], dir);

    const check = () => {
      run('cmake', ['--build', build, '-j', '2'], dir);
      const webDir = path.join(dir, 'web');
      const files = fs.readdirSync(webDir, { recursive: true })
        .filter((f) => fs.statSync(path.join(webDir, f)).isFile()).sort();
      const out = run(path.join(build, 'driver'), ['', ...files], dir);
      const got = Object.fromEntries(out.trimEnd().split('\n').map((l) => {
        const [p, size, type] = l.split('\t');
        return [p, { size: Number(size), type }];
      }));
      for (const f of files) {
        const size = fs.statSync(path.join(webDir, f)).size;
        if (!got[f] || got[f].size !== size) throw new Error(`${f}: embedded ${got[f]?.size} bytes, file has ${size}`);
      }
      if (got[''].size !== got['index.html'].size) throw new Error('"" is not index.html');
      if (!got['app.js'].type.startsWith('text/javascript')) throw new Error(`app.js served as ${got['app.js'].type}`);
      if (!got['index.html'].type.startsWith('text/html')) throw new Error(`index.html served as ${got['index.html'].type}`);
      if (!got['style.css'].type.startsWith('text/css')) throw new Error(`style.css served as ${got['style.css'].type}`);
      return got;
    };
    check();
    // An edit and a new file under web/ reach the binary on the next build, with no reconfigure.
    fs.appendFileSync(path.join(dir, 'web/app.js'), '\n// changed\n');
    fs.writeFileSync(path.join(dir, 'web/extra.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const got = check();
    if (got['extra.svg'].type !== 'image/svg+xml') throw new Error(`extra.svg served as ${got['extra.svg'].type}`);
  } catch (e) {
    throw new Error(`${e.message}\n${e.stdout || ''}${e.stderr || ''}`.slice(0, 4000));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
