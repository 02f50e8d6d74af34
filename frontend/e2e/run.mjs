// End-to-end test of the web app against the real server: builds nothing
// itself unless bin/kickoff is missing, starts `kickoff serve` on a free port
// with a temporary data dir, and drives the system Chromium through
// playwright-core (browser downloads are not possible here; see README).
//
//   npm run test:e2e                      # from the repository root
//   KICKOFF_BIN=path/to/kickoff CHROMIUM=/usr/bin/chromium npm run test:e2e
//
// On failure it keeps the temp dir with a screenshot per failed step and the
// server log, and prints where they are.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const bin = process.env.KICKOFF_BIN ?? join(root, 'bin/kickoff');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'kickoff-e2e-'));
const dataDir = join(work, 'data');

function log(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitReady(base, server) {
  for (let i = 0; i < 200; i++) {
    if (server.exitCode !== null) throw new Error(`kickoff serve exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('kickoff serve did not become ready in 20 s');
}

function expect(condition, message) {
  if (!condition) throw new Error(`expectation failed: ${message}`);
}

if (!existsSync(bin)) {
  log(`${bin} is missing: running make build`);
  const r = spawnSync('make', ['build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (!existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}: apt-get install -y chromium (or set CHROMIUM)`);
  process.exit(1);
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const serverLog = join(work, 'server.log');
const logFd = openSync(serverLog, 'a');
// A webhook receiver on loopback: it records each request and answers 200.
// The server may reach it because --webhook-allowed-networks opens 127.0.0.1.
const received = [];
const receiver = createHttpServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok from e2e receiver');
  });
});
await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
const receiverURL = `http://127.0.0.1:${receiver.address().port}/hook`;
const server = spawn(
  bin,
  ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--public-url', base, '--webhook-allowed-networks', '127.0.0.1/32'],
  {
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, KICKOFF_LOG_LEVEL: 'info' },
  },
);
let failed = false;
let browser;
const cspViolations = [];

async function stop() {
  await browser?.close().catch(() => {});
  receiver.closeAllConnections();
  await new Promise((ok) => receiver.close(ok));
  if (server.exitCode === null) {
    server.kill('SIGTERM');
    await Promise.race([new Promise((ok) => server.once('exit', ok)), sleep(5000)]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

try {
  await waitReady(base, server);
  log(`kickoff serve ready on ${base}`);
  const password = readFileSync(join(dataDir, 'initial_admin_password'), 'utf8').trim();

  browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (msg) => {
    if (/Content[- ]Security[- ]Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  page.on('pageerror', (err) => log(`page error: ${err.message}`));

  let stepNo = 0;
  async function step(name, fn) {
    stepNo++;
    const t = Date.now();
    try {
      await fn();
      log(`ok   ${stepNo}. ${name} (${Date.now() - t} ms)`);
    } catch (err) {
      const shot = join(work, `step-${stepNo}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      log(`FAIL ${stepNo}. ${name}: screenshot ${shot}`);
      throw err;
    }
  }

  const gql = (query, variables = {}) =>
    page.evaluate(
      async ([q, v]) => {
        const r = await fetch('/api/graphql', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', 'x-kickoff-csrf': '1' },
          body: JSON.stringify({ query: q, variables: v }),
        });
        return r.json();
      },
      [query, variables],
    );
  const trigger = (token) => fetch(`${base}/api/trigger/${token}`, { method: 'POST' });

  const fullPath = 'e2e/demo';
  let token = '';
  let iid = 0;

  await step('sign in as admin', async () => {
    await page.goto('/users/sign_in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByRole('button', { name: /admin/ }).waitFor();
  });

  await step('create a project through the New project form', async () => {
    await page.getByRole('button', { name: 'New project' }).click();
    const form = page.getByRole('form', { name: 'New project' });
    await form.getByLabel('Project name').fill('E2E Demo');
    await form.getByLabel('Project path').fill(fullPath);
    await form.getByLabel(/Description/).fill('Made by the e2e run');
    await form.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(`**/${fullPath}`);
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
    await page.getByText('No pipelines yet').waitFor();
  });

  await step('the same path again shows the server error', async () => {
    await page.goto('/');
    await page.getByRole('button', { name: 'New project' }).click();
    const form = page.getByRole('form', { name: 'New project' });
    await form.getByLabel('Project name').fill('E2E Demo');
    await form.getByLabel('Project path').fill(fullPath);
    await form.getByRole('button', { name: 'Create project' }).click();
    await form.getByRole('alert').waitFor();
    await page.getByRole('link', { name: 'E2E Demo' }).click();
    await page.waitForURL(`**/${fullPath}`);
  });

  await step('the Members tab lists the creator', async () => {
    await page.getByRole('link', { name: 'Members', exact: true }).click();
    await page.waitForURL(`**/${fullPath}/-/project_members`);
    await page.getByRole('table', { name: 'Members' }).getByRole('row', { name: /admin/ }).waitFor();
    await page.getByLabel('Username').fill('nobody-here');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByRole('link', { name: 'Pipelines', exact: true }).click();
  });

  await step('add a trigger token in Settings › CI/CD', async () => {
    await page.getByRole('link', { name: 'Settings › CI/CD' }).click();
    await page.getByRole('heading', { name: 'Pipeline trigger tokens' }).waitFor();
    await page.getByLabel('Description', { exact: true }).fill('e2e deploy');
    await page.getByRole('button', { name: 'Create pipeline trigger token' }).click();
    token = (await page.getByTestId('new-trigger-token').textContent()).trim();
    expect(/^kot_[A-Za-z0-9]{38}$/.test(token), `new token looks like kot_…: ${token}`);
    const row = page.getByRole('row', { name: /e2e deploy/ });
    await row.waitFor();
    expect(!(await row.textContent()).includes(token), 'the table masks the token');
  });

  await step('copy and reveal show the full token', async () => {
    const row = page.getByRole('row', { name: /e2e deploy/ });
    await row.getByRole('button', { name: 'Copy trigger token' }).click();
    await page.getByText('Copied to clipboard').waitFor({ state: 'attached' });
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied === token, `clipboard holds the token (${copied})`);
    await row.getByRole('button', { name: 'Reveal trigger token' }).click();
    expect((await row.getByTestId('trigger-token').textContent()) === token, 'revealed token');
    const curl = await page.getByRole('tabpanel').textContent();
    expect(curl.includes(`${base}/api/v4/projects/1/trigger/pipeline`), `usage example has the real URL with the small project ID: ${curl}`);
    await page.getByText(`${fullPath} · Project ID: 1`).waitFor();
  });

  await step('trigger a pipeline with the token', async () => {
    const r = await trigger(token);
    expect(r.status === 200, `POST /api/trigger/<token> answered ${r.status}`);
    const body = await r.json();
    iid = body.iid;
    expect(iid === 1 && body.source === 'trigger', `pipeline JSON ${JSON.stringify(body)}`);
  });

  await step('the pipeline appears on the pipelines page', async () => {
    await page.getByRole('link', { name: 'Pipelines', exact: true }).click();
    const link = page.getByRole('link', { name: `#${iid}`, exact: true });
    await link.waitFor();
    const row = page.getByRole('row', { name: new RegExp(`#${iid}`) });
    expect((await row.textContent()).includes(token.slice(4, 8)), 'row shows the trigger short token');
    await page.getByLabel('Source').selectOption('trigger');
    await page.waitForURL(/source=trigger/);
    await link.waitFor();
  });

  await step('open the pipeline detail page', async () => {
    await page.getByRole('link', { name: `#${iid}`, exact: true }).click();
    await page.getByRole('heading', { name: `Pipeline #${iid}` }).waitFor();
    const vars = page.getByRole('table', { name: 'Variables' });
    await vars.getByRole('row', { name: /CI_PIPELINE_SOURCE\s*trigger/ }).waitFor();
  });

  await step('require signed calls for the token: only signed calls start pipelines', async () => {
    await page.goto(`/${fullPath}/-/settings/ci_cd`);
    await page.getByRole('button', { name: 'Edit trigger token e2e deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit trigger token' });
    await dialog.getByRole('button', { name: 'Require signed calls' }).click();
    await dialog.waitFor({ state: 'detached' });
    const secret = (await page.getByTestId('new-signing-secret').textContent()).trim();
    expect(/^kos_[0-9a-f]{64}$/.test(secret), `signing secret looks like kos_…: ${secret}`);
    await page.getByRole('row', { name: /e2e deploy/ }).getByText('signed').waitFor();
    const unsigned = await trigger(token);
    expect(unsigned.status === 401, `an unsigned call answered ${unsigned.status}`);
    const body = JSON.stringify({ ref: 'main' });
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = 'sha256=' + createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    const signedCall = () =>
      fetch(`${base}/api/trigger/${token}`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', 'X-Kickoff-Timestamp': ts, 'X-Kickoff-Signature': sig },
      });
    const signed = await signedCall();
    expect(signed.status === 200, `a signed call answered ${signed.status}: ${await signed.text()}`);
    const replay = await signedCall();
    expect(replay.status === 401, `the same signature again answered ${replay.status}`);
  });

  await step('revoke the token through the confirmation dialog', async () => {
    await page.goto(`/${fullPath}/-/settings/ci_cd`);
    await page.getByRole('button', { name: 'Revoke trigger token e2e deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke trigger token?' });
    await dialog
      .getByText('By revoking a trigger token you will break any processes making use of it. Are you sure?')
      .waitFor();
    await dialog.getByRole('button', { name: 'Revoke trigger' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('No trigger tokens have been created yet').waitFor();
    expect((await page.getByRole('row', { name: /e2e deploy/ }).count()) === 0, 'the row is gone');
    const r = await trigger(token);
    expect(r.status === 404, `a revoked token answers 404, got ${r.status}`);
  });

  await step('add a branch in Settings › CI/CD › Branches and tags', async () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    await page.getByRole('heading', { name: 'Branches and tags' }).waitFor();
    await page.getByLabel('Ref name').fill('e2e-feature');
    await page.getByLabel(/Commit SHA/).fill(sha);
    await page.getByRole('button', { name: 'Add ref' }).click();
    const row = page.getByRole('table', { name: 'Refs' }).getByRole('row', { name: /e2e-feature/ });
    await row.waitFor();
    expect((await row.textContent()).includes(sha.slice(0, 8)), 'the row shows the SHA');
    await row.getByRole('button', { name: 'Delete branch e2e-feature' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete branch?' });
    await dialog.getByRole('button', { name: 'Delete ref' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.waitFor({ state: 'detached' });
  });

  await step('add a runner and see its token once', async () => {
    await page.getByLabel(/Runner description/).fill('e2e runner');
    await page.getByRole('button', { name: 'Create runner' }).click();
    const runnerToken = (await page.getByTestId('new-runner-token').textContent()).trim();
    expect(/^kor_/.test(runnerToken), `runner token looks like kor_…: ${runnerToken}`);
    const row = page.getByRole('table', { name: 'Runners' }).getByRole('row', { name: /e2e runner/ });
    await row.waitFor();
    expect(!(await row.textContent()).includes(runnerToken), 'the table does not show the token');
    await row.getByRole('button', { name: 'Delete runner e2e runner' }).click();
    await page.getByRole('dialog', { name: 'Delete runner?' }).getByRole('button', { name: 'Delete runner' }).click();
    await row.waitFor({ state: 'detached' });
  });

  await step('open job logs to Reporters in Settings › CI/CD › Job logs', async () => {
    await page.getByLabel('Who can read job logs').selectOption('REPORTER');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved: Reporters and above can read job logs.').waitFor();
    const r = await gql(`{ project(fullPath: "${fullPath}") { jobLogAccessLevel } }`);
    expect(r.data.project.jobLogAccessLevel === 'REPORTER', `the setting is ${r.data.project.jobLogAccessLevel}`);
  });

  await step('the pipelines list and page follow a run live: status, log, cancel and retry', async () => {
    const made = await gql(`mutation { runnerCreate(input: {projectPath: "${fullPath}", description: "e2e live"}) { token errors } }`);
    const runnerToken = made.data.runnerCreate.token;
    const runnerAPI = (path, method, bearer, body, headers = {}) =>
      fetch(`${base}/api/v1/runner${path}`, { method, body, headers: { Authorization: `Bearer ${bearer}`, ...headers } });
    await page.getByRole('link', { name: 'Pipelines', exact: true }).click();
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
    // Started elsewhere: the list shows it without a reload.
    const created = await gql(`mutation { pipelineCreate(input: {projectPath: "${fullPath}"}) { pipeline { iid } errors } }`);
    const live = created.data.pipelineCreate.pipeline.iid;
    const row = page.getByRole('row', { name: new RegExp(`#${live}\\b`) });
    await row.waitFor();
    const claim = await runnerAPI('/jobs/request', 'POST', runnerToken, '{}', { 'Content-Type': 'application/json' });
    expect(claim.status === 201, `claim answered ${claim.status}`);
    const job = await claim.json(); // the oldest waiting pipeline: step 7's
    const claimed = page.getByRole('row', { name: new RegExp(`#${job.pipeline.iid}\\b`) });
    const status = (s) => runnerAPI(`/pipelines/${job.pipeline.id}`, 'PUT', job.job_token, JSON.stringify({ status: s }), { 'Content-Type': 'application/json' });
    expect((await status('running')).status === 200, 'running reported');
    await claimed.getByText('running').waitFor();
    await claimed.getByRole('link', { name: `#${job.pipeline.iid}`, exact: true }).click();
    await page.getByRole('heading', { name: `Pipeline #${job.pipeline.iid}` }).waitFor();
    const logView = page.getByLabel('Job log');
    let sent = 0;
    const append = async (text) => {
      const r = await runnerAPI(`/pipelines/${job.pipeline.id}/log`, 'PATCH', job.job_token, text, { 'Content-Range': `${sent}-${sent + Buffer.byteLength(text) - 1}` });
      expect(r.status === 202, `log append answered ${r.status}`);
      sent += Buffer.byteLength(text);
    };
    await append('\u001b[32mhello from e2e\u001b[0m\n');
    await logView.getByText('hello from e2e').waitFor();
    await append('second line\n');
    await logView.getByText('second line', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Cancel pipeline' }).click();
    await page.getByRole('button', { name: 'Retry pipeline' }).waitFor();
    expect((await status('success')).status === 409, 'the runner hears of the cancel');
    await page.getByRole('button', { name: 'Retry pipeline' }).click();
    await page.getByRole('button', { name: 'Cancel pipeline' }).waitFor();
  });

  await step('GraphQL explorer runs { currentUser { username } }', async () => {
    await page.getByRole('link', { name: 'GraphQL explorer' }).click();
    await page.waitForURL('**/-/graphql-explorer');
    const run = page.locator('.graphiql-execute-button');
    await run.waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ timeout: 30_000 });
    await run.click();
    const response = page.locator('.graphiql-response');
    await response.getByText('"admin"').waitFor({ timeout: 30_000 });
    expect(cspViolations.length === 0, `no CSP violations: ${cspViolations.join('\n')}`);
  });

  await step('add a webhook in Settings › Webhooks and see its signing secret once', async () => {
    await page.goto(`/${fullPath}`);
    await page.getByRole('link', { name: 'Settings › Webhooks' }).click();
    await page.waitForURL(`**/${fullPath}/-/hooks`);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Add new webhook' });
    await form.getByLabel('URL').fill(receiverURL);
    await form.getByLabel(/^Name/).fill('e2e hook');
    await form.getByLabel(/Secret token/).fill('e2e-token');
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.getByTestId('new-webhook-secret').textContent()).trim();
    expect(/^whsec_[A-Za-z0-9+/=]+$/.test(secret), `signing secret looks like whsec_…: ${secret}`);
    expect((await page.getByText(secret).count()) === 1, 'the signing secret shows once');
    const row = page.getByRole('table', { name: 'Webhooks' }).getByRole('row', { name: /e2e hook/ });
    await row.getByText('Enabled').waitFor();
    expect(!(await row.textContent()).includes(secret), 'the table does not show the secret');
  });

  await step('Test delivers to the receiver, Resend sends the same event again', async () => {
    const row = page.getByRole('table', { name: 'Webhooks' }).getByRole('row', { name: /e2e hook/ });
    const before = received.length;
    await row.getByRole('button', { name: 'Test webhook e2e hook' }).click();
    await row.getByText(/^Delivered \(HTTP 200\)$/).waitFor();
    await row.getByRole('button', { name: 'Recent deliveries of e2e hook' }).click();
    const deliveries = page.getByRole('table', { name: 'Deliveries of e2e hook' });
    const first = deliveries.getByRole('row', { name: /Test/ }).first();
    await first.waitFor();
    await first.getByRole('button', { name: /^Resend delivery \d+$/ }).click();
    await deliveries.getByRole('row', { name: /Test/ }).nth(1).waitFor();
    for (let i = 0; i < 50 && received.length < before + 2; i++) await sleep(100);
    const got = received.slice(before);
    expect(got.length === 2, `the receiver got ${got.length} requests, want 2`);
    for (const r of got) {
      expect(r.method === 'POST' && r.url === '/hook', `${r.method} ${r.url}`);
      expect(r.headers['x-gitlab-event'] === 'Pipeline Hook', `x-gitlab-event: ${r.headers['x-gitlab-event']}`);
      expect(r.headers['x-gitlab-token'] === 'e2e-token', `x-gitlab-token: ${r.headers['x-gitlab-token']}`);
      expect(r.headers['webhook-signature']?.startsWith('v1,'), `webhook-signature: ${r.headers['webhook-signature']}`);
      expect(JSON.parse(r.body).object_kind === 'pipeline', `object_kind of ${r.body.slice(0, 200)}`);
    }
    expect(
      got[0].headers['idempotency-key'] && got[0].headers['idempotency-key'] === got[1].headers['idempotency-key'],
      `the resend keeps the idempotency-key: ${got[0].headers['idempotency-key']} / ${got[1].headers['idempotency-key']}`,
    );
  });

  await step('sign out', async () => {
    const session = (await context.cookies()).find((c) => c.name === 'kickoff_session');
    expect(session, 'a session cookie before signing out');
    await page.getByRole('button', { name: /admin/ }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to Kickoff' }).waitFor();
    const r = await gql('{ currentUser { username } }');
    expect(r.data?.currentUser === null, 'signed out');
    // The session ended on the server: a copy of the old cookie is refused.
    const replay = await fetch(`${base}/api/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Kickoff-CSRF': '1', Cookie: `kickoff_session=${session.value}` },
      body: JSON.stringify({ query: '{ currentUser { username } }' }),
    });
    expect(replay.status === 401, `the old session cookie answers ${replay.status}, want 401`);
  });

  log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  failed = true;
  console.error(err);
  if (cspViolations.length) console.error(`CSP violations:\n${cspViolations.join('\n')}`);
  console.error(`Screenshots and the server log are in ${work}`);
  try {
    console.error(`--- server log (tail) ---\n${readFileSync(serverLog, 'utf8').split('\n').slice(-30).join('\n')}`);
  } catch {
    // no log
  }
} finally {
  await stop();
  if (!failed) rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
