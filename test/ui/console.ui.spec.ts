/// <reference lib="dom" />
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fixtures } from '@billing/contracts/fixtures';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { freePort } from '@billing/local-infra/ports';
import { testEnv } from '@billing/testing/env';
import { connectProducer } from '@billing/testing/kafka-probe';
import { REPO_ROOT } from '@billing/local-infra/services';
import { waitFor } from '@billing/testing/wait';
import type { AxeResults, Result, RunOptions } from 'axe-core';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typedClient } from '../e2e/http';
import { startSystem, type RunningSystem } from '../e2e/system';

/**
 * The operator console in a real browser (Debian's chromium through playwright-core) against the four
 * real services and the built console served by its own server, as `npm start` runs it. Each screen is
 * saved as a screenshot: to .local/console-screenshots, or to docs/console with SCREENSHOT_DIR=docs/console.
 */
const KEYS = { admin: 'ui-admin-key-00000001', alice: 'ui-alice-key-00000001', bob: 'ui-bob-key-000000001' };
const SCREENSHOTS = path.resolve(REPO_ROOT, process.env.SCREENSHOT_DIR ?? '.local/console-screenshots');
const LAPTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

let system: RunningSystem;
let consoleServer: ChildProcess;
let consoleUrl: string;
let browser: Browser;
let alicesAccount: string;
let bobsAccount: string;
let failedBill: string;
let deadMessageId: string;

async function startConsole(gatewayUrl: string): Promise<void> {
  const port = await freePort();
  consoleServer = spawn(process.execPath, [path.join(REPO_ROOT, 'services/operator-console/dist/main.js')], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', GATEWAY_URL: gatewayUrl },
    stdio: 'ignore',
  });
  consoleUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    'console ready',
    async () => ((await fetch(`${consoleUrl}/health/ready`).catch(() => null))?.ok ? true : undefined),
    { timeoutMs: 15_000, intervalMs: 100 },
  );
}

async function signedIn(key: string, viewport = LAPTOP): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(consoleUrl);
  await page.getByLabel('API key or JWT').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** An id as the console shows it, and as a link to it is named: the first 8 and last 4 characters. */
const shortId = (id: string) => `${id.slice(0, 8)}…${id.slice(-4)}`;

/**
 * Waits until the element shows the text: Playwright's own bounded wait, which keeps polling the page
 * (a busy machine may take seconds to render a refresh).
 */
async function showing(locator: Locator, text: string, timeoutMs = 20_000): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: timeoutMs });
}

/** axe-core's browser build, evaluated in the page by the audit (DevTools evaluation is not bound by CSP). */
const AXE_SOURCE = readFileSync(createRequire(__filename).resolve('axe-core/axe.min.js'), 'utf8');
/** The WCAG 2.1 A and AA rules, and axe's best practices (landmarks, one main, headings in order). */
const AXE_OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  resultTypes: ['violations'],
};

function describeViolation(v: Result): string {
  const where = v.nodes
    .slice(0, 5)
    .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join('; ') ?? ''}`);
  return [`${v.id} (${v.impact}): ${v.help}`, ...where].join('\n');
}

/**
 * Runs axe-core on the page as it is now and fails on any serious or critical violation, naming the rule
 * and the elements; minor and moderate findings are reported in the failure text of a serious one only.
 */
async function audit(page: Page, screen: string): Promise<void> {
  await page.mouse.move(0, 0);
  const results = await page.evaluate(
    async ({ source, options }) => {
      const scope = window as unknown as { axe?: { run(o: RunOptions): Promise<AxeResults> } };
      if (!scope.axe) (0, eval)(source);
      return scope.axe!.run(options);
    },
    { source: AXE_SOURCE, options: AXE_OPTIONS },
  );
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(blocking.map(describeViolation).join('\n'), `accessibility of ${screen}`).toBe('');
}

/** A full-page screenshot with the pointer out of the way, so no chart tooltip covers the screen. */
async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  system = await startSystem('console', {
    env: {
      'command-gateway': {
        API_KEYS: JSON.stringify([
          { key: KEYS.admin, role: 'admin' },
          { key: KEYS.alice, role: 'owner', ownerId: 'alice' },
          { key: KEYS.bob, role: 'owner', ownerId: 'bob' },
        ]),
      },
      // A provider that never answers keeps a withdrawal pending for minutes: long enough to act on it.
      'saga-orchestrator': { PROVIDER_TIMEOUT_MS: '1000', PROVIDER_ATTEMPTS_MAX: '20' },
      'projection-query': { STUCK_AFTER_MS: '2000' },
    },
  });
  await startConsole(system.gatewayUrl);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH, args: ['--no-sandbox'] });
  const admin = typedClient(system, KEYS.admin);
  const open = async (key: string, ownerId: string, type: 'USER' | 'EXTERNAL') => {
    const answer = await typedClient(system, key).accounts.open({
      ownerId,
      ownerType: 'user',
      currency: 'USD',
      type,
    });
    return answer.body.id;
  };
  const bank = await open(KEYS.admin, 'bank_ui', 'EXTERNAL');
  alicesAccount = await open(KEYS.alice, 'alice', 'USER');
  bobsAccount = await open(KEYS.bob, 'bob', 'USER');
  for (const account of [alicesAccount, bobsAccount]) {
    const topUp = await admin.transactions.topUp(
      { sourceAccountId: bank, destinationAccountId: account, amount: '100.00', currency: 'USD' },
      { waitSeconds: 20 },
    );
    expect(topUp.body).toMatchObject({ status: 'completed' });
  }
  // A meter ending in 0000 is one the simulated provider does not know: the payment is reversed.
  const bill = await typedClient(system, KEYS.alice).transactions.payBill(
    {
      accountId: alicesAccount,
      billType: 'electricity',
      provider: 'ekedc',
      meterNumber: '55550000',
      amount: '15.00',
      currency: 'USD',
    },
    { waitSeconds: 20 },
  );
  expect(bill.body).toMatchObject({ status: 'reversed' });
  failedBill = bill.body.transactionId;
  // A top-up in a version the orchestrator does not know yet: it is dead-lettered, for the Operations screen.
  deadMessageId = uuidv7();
  const producer = await connectProducer(testEnv().kafkaBrokers);
  await producer.send({
    topic: topicName('transactionCommands', system.topicPrefix),
    messages: [
      {
        key: fixtures.RequestTopUp.data.transactionId,
        value: JSON.stringify({ ...fixtures.RequestTopUp, messageId: deadMessageId, version: 2 }),
      },
    ],
  });
  await producer.disconnect();
  await waitFor('the dead letter folded', async () =>
    (await admin.deadLetters.page()).items.some((d) => d.messageId === deadMessageId) ? true : undefined,
  );
  await waitFor('read side caught up', async () =>
    (await admin.accounts.balance(alicesAccount)).balance === '100.00' ? true : undefined,
  );
});

afterAll(async () => {
  await browser?.close();
  consoleServer?.kill('SIGTERM');
  await system?.stop();
});

describe('the operator console', () => {
  it('refuses a wrong key at sign-in with a clear message', async () => {
    const page = await browser.newPage({ viewport: LAPTOP });
    await page.goto(consoleUrl);
    await page.getByLabel('API key or JWT').fill('not-a-key-00000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await showing(page.getByRole('alert'), 'Your credential was refused');
    await shot(page, 'sign-in-refused');
    await page.close();
  });

  it('shows an admin the overview: outcomes per minute, stuck count and books that balance', async () => {
    const page = await signedIn(KEYS.admin);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await showing(page.getByTestId('books-USD'), 'Books balance');
    expect(await page.getByTestId('stuck-count').innerText()).toBe('0');
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await shot(page, 'overview');
    await page.context().close();
  });

  it('finds an owner’s accounts and shows a transfer on the account page as it happens', async () => {
    const page = await signedIn(KEYS.admin);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByLabel('Owner id or account id').fill('alice');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: `Account ${shortId(alicesAccount)}` }).click();
    await showing(page.getByTestId('balance'), '100.00 USD');
    await page.locator('[data-live="live"]').waitFor();
    const transfer = await typedClient(system, KEYS.alice).transactions.transfer(
      { sourceAccountId: alicesAccount, destinationAccountId: bobsAccount, amount: '12.34', currency: 'USD' },
      { waitSeconds: 20 },
    );
    expect(transfer.body).toMatchObject({ status: 'completed' });
    await showing(page.getByTestId('balance'), '87.66 USD');
    await showing(page.getByTestId('account-feed'), 'TransactionCompleted');
    await shot(page, 'account');
    await page.setViewportSize(PHONE);
    await shot(page, 'account-phone');
    await page.context().close();
  });

  it('opens the failed bill payment and reads its reason and timeline', async () => {
    const page = await signedIn(KEYS.admin);
    await page.goto(`${consoleUrl}/#/transactions/${failedBill}`);
    await showing(page.getByTestId('tx-reason'), 'PROVIDER.INVALID_ACCOUNT');
    expect(await page.getByTestId('tx-status').innerText()).toBe('reversed');
    const timeline = await page.getByTestId('timeline').innerText();
    expect(timeline).toContain('Hold placed');
    expect(timeline).toContain('Hold released');
    expect(timeline).toContain('Provider ekedc: pay bill, attempt 1, refused (PROVIDER.INVALID_ACCOUNT)');
    expect(timeline).toContain('Finished: reversed');
    await shot(page, 'transaction');
    await page.context().close();
  });

  it('shows an owner only its own accounts, and no admin screens', async () => {
    const page = await signedIn(KEYS.bob);
    expect(await page.getByRole('navigation', { name: 'Main' }).innerText()).not.toContain('Overview');
    await page.getByRole('link', { name: `Account ${shortId(bobsAccount)}` }).waitFor();
    expect(await page.getByRole('link', { name: `Account ${shortId(alicesAccount)}` }).count()).toBe(0);
    await shot(page, 'owner-accounts');
    await page.goto(`${consoleUrl}/#/accounts/${alicesAccount}`);
    await showing(page.getByRole('alert'), 'Not found');
    await page.context().close();
  });

  it('lists the operations queues for an admin and changes an account status', async () => {
    const page = await signedIn(KEYS.admin);
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByText('Nothing is stuck.').waitFor();
    await page.getByLabel('Account id').fill(bobsAccount);
    await page.getByLabel('New status').selectOption('suspended');
    await page.getByLabel('Reason').fill('fraud review');
    await page.getByRole('button', { name: 'Change status' }).click();
    await showing(page.getByRole('status'), 'Account is now suspended');
    await shot(page, 'operations');
    await page.context().close();
  });

  it('lists the dead letters with their reasons, shows one and replays it after a confirmation', async () => {
    const page = await signedIn(KEYS.admin);
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    await showing(page.getByTestId('dead-letters'), 'MESSAGE.UNKNOWN_VERSION');
    await shot(page, 'dead-letters');
    await page
      .getByRole('link', { name: /^Dead letter \d+:\d+$/ })
      .first()
      .click();
    await showing(page.getByTestId('dl-reason'), 'RequestTopUp v2 is not a version');
    expect(await page.getByTestId('dl-payload').innerText()).toContain(deadMessageId);
    await page.getByRole('button', { name: 'Replay…' }).click();
    const confirm = page.getByRole('alertdialog');
    await showing(confirm, 'saga-orchestrator reads the original');
    // Escape cancels; the dialog is reached and confirmed from the keyboard.
    await page.keyboard.press('Escape');
    expect(await confirm.count()).toBe(0);
    await page.getByRole('button', { name: 'Replay…' }).click();
    await page.keyboard.press('Enter');
    await showing(page.getByRole('status'), 'Replay requested from saga-orchestrator');
    await showing(page.getByTestId('dl-replays'), 'MESSAGE.UNKNOWN_VERSION');
    await showing(page.getByTestId('dl-state'), 'replay failed');
    await shot(page, 'dead-letter');
    await page.context().close();
  });

  it('flags a finished transaction from its page and clears the flag, with the note in the timeline', async () => {
    const page = await signedIn(KEYS.admin);
    await page.goto(`${consoleUrl}/#/transactions/${failedBill}`);
    await showing(page.getByTestId('tx-reason'), 'PROVIDER.INVALID_ACCOUNT');
    // A finished transaction has no step to retry: the button is not offered.
    expect(await page.getByRole('button', { name: /^Retry step of / }).count()).toBe(0);
    await page.getByRole('button', { name: /Flag for investigation/ }).click();
    await page
      .getByLabel('Note (why it needs investigating)')
      .fill('customer says the meter number is right');
    await page.getByRole('button', { name: 'Confirm flag' }).click();
    await showing(page.getByTestId('action-result'), 'Flagged for investigation.');
    await showing(page.getByTestId('tx-investigation'), 'customer says the meter number is right');
    await showing(page.getByTestId('timeline'), 'Flagged for investigation');
    await shot(page, 'transaction-flagged');
    await page.getByRole('button', { name: /^Clear flag of / }).click();
    await page.getByLabel('Note (what was found, optional)').fill('the meter number had a typo');
    await page.getByRole('button', { name: 'Confirm clear' }).click();
    await showing(page.getByTestId('action-result'), 'Investigation flag cleared.');
    await showing(page.getByTestId('timeline'), 'Investigation cleared');
    await page.getByTestId('tx-investigation').waitFor({ state: 'detached', timeout: 20_000 });
    await page.context().close();
  });

  it('retries the step of a stuck withdrawal and flags it from the operations list, by keyboard too', async () => {
    // Payouts of an amount ending in .77 are never answered: the withdrawal waits on its provider.
    const withdrawal = await typedClient(system, KEYS.alice).transactions.withdraw({
      sourceAccountId: alicesAccount,
      destinationAccountId: (
        await typedClient(system, KEYS.admin).accounts.open({
          ownerId: 'bank_ui_payout',
          ownerType: 'bank',
          currency: 'USD',
          type: 'EXTERNAL',
        })
      ).body.id,
      amount: '5.77',
      currency: 'USD',
    });
    const id = withdrawal.body.transactionId;
    const page = await signedIn(KEYS.admin);
    await page.getByRole('link', { name: 'Operations' }).click();
    const row = page.getByTestId(`actions-${id}`);
    await waitFor(
      'the withdrawal in the stuck list',
      async () => {
        await page.reload();
        await page.getByRole('heading', { name: 'Stuck transactions' }).waitFor();
        await page
          .getByText(/Nothing is stuck|Actions/)
          .first()
          .waitFor();
        return (await row.count()) > 0 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    await row.getByRole('button', { name: /^Retry step of / }).click();
    await row.getByRole('button', { name: 'Confirm retry' }).click();
    await showing(page.getByTestId('operations-result'), 'Step re-sent: provider attempt');
    // The keyboard reaches every control: flag it without the mouse.
    await row.getByRole('button', { name: /Flag for investigation/ }).focus();
    await page.keyboard.press('Enter');
    await row.getByLabel('Note (why it needs investigating)').waitFor();
    await page.keyboard.type('payout provider silent; asked them by phone');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await showing(page.getByTestId('operations-result'), 'Flagged for investigation.');
    await page.getByLabel('Show').selectOption('flagged');
    await showing(page.locator('.flag'), 'payout provider silent');
    await shot(page, 'operations-actions');
    await page.context().close();
  });
});

describe('accessibility', () => {
  it.each([
    ['laptop', LAPTOP],
    ['phone', PHONE],
  ])('has no serious or critical axe violation on any screen at %s width', async (_width, viewport) => {
    const page = await browser.newPage({ viewport });
    await page.goto(consoleUrl);
    await page.getByLabel('API key or JWT').waitFor();
    await audit(page, 'sign-in');
    await page.getByLabel('API key or JWT').fill('not-a-key-00000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await showing(page.getByRole('alert'), 'Your credential was refused');
    await audit(page, 'sign-in refused');
    await page.close();

    const admin = await signedIn(KEYS.admin, viewport);
    await showing(admin.getByTestId('books-USD'), 'Books balance');
    await admin.locator('.recharts-bar-rectangle').first().waitFor();
    await audit(admin, 'overview');
    await admin.goto(`${consoleUrl}/#/accounts?q=alice`);
    await admin.getByRole('link', { name: `Account ${shortId(alicesAccount)}` }).waitFor();
    await audit(admin, 'accounts');
    await admin.getByRole('link', { name: `Account ${shortId(alicesAccount)}` }).click();
    await admin.getByTestId('balance').waitFor();
    await admin.locator('[data-live="live"]').waitFor();
    await audit(admin, 'account page');
    await admin.goto(`${consoleUrl}/#/transactions/${failedBill}`);
    await showing(admin.getByTestId('tx-reason'), 'PROVIDER.INVALID_ACCOUNT');
    await audit(admin, 'transaction page');
    await admin.goto(`${consoleUrl}/#/operations/dead-letters`);
    await showing(admin.getByTestId('dead-letters'), 'MESSAGE.UNKNOWN_VERSION');
    await audit(admin, 'dead letters');
    await admin
      .getByRole('link', { name: /^Dead letter \d+:\d+$/ })
      .first()
      .click();
    await showing(admin.getByTestId('dl-reason'), 'RequestTopUp v2');
    await audit(admin, 'dead letter');
    await admin.goto(`${consoleUrl}/#/operations`);
    // Earlier tests may leave a stuck transaction behind: the screen is audited with its rows too.
    const stuckSection = admin.locator('section[aria-labelledby="stuck-title"]');
    await stuckSection
      .getByText('Nothing is stuck.')
      .or(stuckSection.getByRole('group', { name: /^Actions on transaction / }))
      .first()
      .waitFor();
    await audit(admin, 'operations');
    await admin.context().close();

    const owner = await signedIn(KEYS.bob, viewport);
    await owner.getByRole('link', { name: `Account ${shortId(bobsAccount)}` }).waitFor();
    await audit(owner, 'an owner’s accounts');
    await owner.context().close();
  });

  it('signs in and reaches an account page with the keyboard alone, focus visible at every step', async () => {
    const page = await browser.newPage({ viewport: LAPTOP });
    await page.goto(consoleUrl);
    await page.getByLabel('API key or JWT').waitFor();

    /** Presses Tab until the focused element is the one wanted, checking each stop shows its focus. */
    async function tabTo(target: Locator, what: string): Promise<void> {
      for (let stop = 0; stop < 40; stop++) {
        await page.keyboard.press('Tab');
        const focus = await page.evaluate(() => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          return { visible: style.outlineStyle !== 'none' && style.outlineWidth !== '0px', tag: el.tagName };
        });
        if (focus) expect(focus.visible, `focus on a ${focus.tag} is visible`).toBe(true);
        if (await target.evaluate((el) => el === document.activeElement)) return;
      }
      throw new Error(`Tab never reached ${what}`);
    }

    await tabTo(page.getByLabel('API key or JWT'), 'the credential field');
    await page.keyboard.type(KEYS.admin);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await tabTo(page.getByRole('link', { name: 'Accounts' }), 'the Accounts link');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await tabTo(page.getByLabel('Owner id or account id'), 'the account search');
    await page.keyboard.type('alice');
    await page.keyboard.press('Enter');
    const link = page.getByRole('link', { name: `Account ${shortId(alicesAccount)}` });
    await link.waitFor();
    await tabTo(link, 'the account link');
    await page.keyboard.press('Enter');
    await page.getByTestId('balance').waitFor();
    expect(page.url()).toContain(`#/accounts/${alicesAccount}`);
    // The new screen took the focus: the next Tab starts inside it, not back at the link left behind.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.close();
  });
});
