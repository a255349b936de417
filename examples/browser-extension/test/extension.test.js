// Loads the unpacked extension in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) and checks that lark-mock received the post its service worker made, and
// that it signs a user in through chrome.identity.launchWebAuthFlow.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const extension = fileURLToPath(new URL('../extension', import.meta.url));
const profile = mkdtempSync(join(tmpdir(), 'lark-extension-'));
let context;
let worker;

before(async () => {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: false,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=DisableLoadExtensionCommandLineSwitch',
      `--disable-extensions-except=${extension}`,
      `--load-extension=${extension}`,
    ],
    timeout: 30_000,
  });
  worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }));
});

after(async () => {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
});

test('the service worker posts a signed custom-bot message that lark-mock receives', async () => {
  assert.match(worker.url(), /^chrome-extension:\/\/[a-p]{32}\/background\.js$/);
  const text = `from the extension ${Date.now()}`;
  const reply = await worker.evaluate(
    (args) => globalThis.postBotMessage(args),
    { webhook: `${MOCK}/open-apis/bot/v2/hook/wasm-bot`, secret: 'wasm-bot-secret', text },
  );
  assert.equal(reply.httpStatus, 200);
  const received = await (await fetch(`${CONTROL}/bot/wasm-bot`)).json();
  const post = received.find((m) => m.content?.text === text);
  assert.ok(post, 'lark-mock received the post');
  assert.equal(post.msg_type, 'text');
  assert.ok(post.sign && post.timestamp, 'the post is signed');
});

test('a wrong secret comes back as the platform error, through the message channel', async () => {
  const page = await context.newPage();
  const id = new URL(worker.url()).host;
  // Any extension page can ask the worker; the manifest's page is blank, so use a tiny one.
  await page.goto(`chrome-extension://${id}/manifest.json`);
  const answer = await page.evaluate(
    (args) => chrome.runtime.sendMessage({ type: 'lark.bot.post', ...args }),
    { webhook: `${MOCK}/open-apis/bot/v2/hook/wasm-bot`, secret: 'wrong', text: 'rejected' },
  );
  await page.close();
  assert.deepEqual({ ok: answer.ok, kind: answer.kind, code: answer.code }, { ok: false, kind: 'api', code: 19021 });
});

test('a user signs in through chrome.identity.launchWebAuthFlow and calls user_info as themselves', async () => {
  const app = { appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK };
  // lark-mock's authorize page approves at once and redirects to
  // https://<extension-id>.chromiumapp.org/lark, which ends the flow without any UI.
  const status = await worker.evaluate((args) => globalThis.signIn(args), { app, user: 'alice', interactive: false });
  assert.ok(status.expiresAt > Date.now());
  assert.equal(typeof status.scope, 'string');
  const me = await worker.evaluate((args) => globalThis.whoIs(args), { app, user: 'alice' });
  assert.equal(me.open_id, 'ou_mock_user');
  // The login is in chrome.storage.session, and not in the answer.
  const stored = await worker.evaluate(() => chrome.storage.session.get(null));
  const [key, login] = Object.entries(stored)[0];
  assert.match(key, /alice/);
  assert.equal(typeof login.refreshToken, 'string');
  assert.ok(!JSON.stringify(status).includes(login.accessToken));
  // Through the message channel too; a user who never signed in must sign in.
  const page = await context.newPage();
  await page.goto(`chrome-extension://${new URL(worker.url()).host}/manifest.json`);
  const answers = await page.evaluate((args) => Promise.all([
    chrome.runtime.sendMessage({ type: 'lark.user.whoIs', app: args.app, user: 'alice' }),
    chrome.runtime.sendMessage({ type: 'lark.user.whoIs', app: args.app, user: 'bob' }),
  ]), { app });
  await page.close();
  assert.deepEqual(answers[0], { ok: true, reply: { open_id: 'ou_mock_user', name: me.name } });
  assert.equal(answers[1].ok, false);
  assert.equal(answers[1].kind, 'oauth');
});

test("the manifest's CSP adds 'wasm-unsafe-eval' and nothing more", async () => {
  const { readFileSync } = await import('node:fs');
  const manifest = JSON.parse(readFileSync(join(extension, 'manifest.json'), 'utf8'));
  assert.equal(manifest.manifest_version, 3);
  assert.deepEqual(manifest.content_security_policy, {
    extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'",
  });
});
