import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, type Mock } from 'vitest';
import { fromValue } from 'wonka';
import { mockClient, WithClient } from '../test/urql';
import { developerPermissions, maintainerPermissions, WithProject } from '../test/project';
import type { ProjectPermissions } from '../projects/ProjectContext';
import { splitRefGlobs } from './WebhookForm';
import { WebhooksPage } from './WebhooksPage';
import { deliveryState } from './WebhooksTable';

const HOOK = 'gid://kickoff/Webhook/1';
const SECRET = 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0';

function hook(over: Record<string, unknown> = {}) {
  return {
    __typename: 'Webhook',
    id: HOOK,
    name: 'ci-bot',
    description: '',
    url: 'https://example.com/hook',
    pipelineEvents: true,
    enableSslVerification: true,
    statuses: [],
    refGlobs: [],
    customHeaderNames: [],
    executable: true,
    hasToken: false,
    disabledAt: null,
    disabledReason: '',
    createdAt: '2026-01-01T00:00:00Z',
    deliveries: { __typename: 'WebhookDeliveryConnection', totalCount: 1 },
    ...over,
  };
}

const delivery = {
  __typename: 'WebhookDelivery',
  id: 'gid://kickoff/WebhookDelivery/7',
  uuid: 'evt-1',
  kind: 'test',
  status: 'success',
  state: 'delivered',
  attempts: 1,
  lastAttemptAt: '2026-01-01T00:00:01Z',
  responseStatus: 200,
  responseBody: 'thanks',
  error: '',
  durationMs: 12,
  createdAt: '2026-01-01T00:00:00Z',
  requestHeaders: [
    { __typename: 'WebhookHeader', key: 'X-Gitlab-Event', value: 'Pipeline Hook' },
    { __typename: 'WebhookHeader', key: 'X-Gitlab-Token', value: '[REDACTED]' },
  ],
};

type Mutations = Record<string, (input: Record<string, unknown>) => unknown>;

function renderPage({
  hooks = [hook()],
  mutations = {},
  userPermissions = maintainerPermissions,
}: { hooks?: unknown[]; mutations?: Mutations; userPermissions?: ProjectPermissions } = {}) {
  const mock = mockClient((variables) =>
    'id' in variables
      ? {
          data: {
            node: {
              __typename: 'Webhook',
              id: variables.id,
              deliveries: { __typename: 'WebhookDeliveryConnection', totalCount: 1, nodes: [delivery] },
            },
          },
        }
      : {
          data: {
            project: {
              __typename: 'Project',
              id: 'proj',
              webhooks: { __typename: 'WebhookConnection', totalCount: hooks.length, nodes: hooks },
            },
          },
        },
  );
  const executeMutation = mock.client.executeMutation as unknown as Mock;
  executeMutation.mockImplementation(
    (request: { query: { definitions: { name?: { value: string } }[] }; variables: { input: Record<string, unknown> } }) => {
      const name = request.query.definitions[0].name!.value;
      const field = name.charAt(0).toLowerCase() + name.slice(1);
      const respond = mutations[name];
      if (!respond) throw new Error(`unexpected mutation ${name}`);
      return fromValue({ operation: request, data: { [field]: respond(request.variables.input) } });
    },
  );
  render(
    <WithClient client={mock.client}>
      <WithProject project={{ userPermissions }}>
        <WebhooksPage />
      </WithProject>
    </WithClient>,
  );
  return { executeMutation, executeQuery: mock.executeQuery };
}

describe('splitRefGlobs', () => {
  it.each([
    ['', []],
    ['main', ['main']],
    [' main , release/* ,', ['main', 'release/*']],
    [',,a,,b ,', ['a', 'b']],
  ])('%j', (text, want) => {
    expect(splitRefGlobs(text)).toEqual(want);
  });
});

describe('deliveryState', () => {
  it.each([
    ['delivered', 1, 'delivered'],
    ['pending', 0, 'pending'],
    ['pending', 3, 'pending (attempt 3)'],
    ['failed', 5, 'failed'],
  ])('%s after %i attempts: %s', (state, attempts, want) => {
    expect(deliveryState({ state, attempts })).toBe(want);
  });
});

describe('WebhooksPage', () => {
  it('creates a webhook with the filters and headers, and shows the signing secret once', async () => {
    const user = userEvent.setup();
    const { executeMutation } = renderPage({
      hooks: [],
      mutations: {
        WebhookCreate: () => ({
          __typename: 'WebhookCreatePayload',
          webhook: { __typename: 'Webhook', id: HOOK, name: 'ci-bot', url: 'https://example.com/hook' },
          signingSecret: SECRET,
          errors: [],
        }),
      },
    });
    const form = screen.getByRole('form', { name: 'Add new webhook' });
    await user.type(within(form).getByLabelText('URL'), 'https://example.com/hook');
    await user.type(within(form).getByLabelText(/Name/), 'ci-bot');
    const token = within(form).getByLabelText(/Secret token/) as HTMLInputElement;
    expect(token.type).toBe('password');
    expect(within(form).getByText(/Sent as X-Gitlab-Token/)).toBeTruthy();
    await user.type(token, 's3cret');
    await user.click(within(form).getByLabelText('failed'));
    await user.click(within(form).getByLabelText('success'));
    await user.type(within(form).getByLabelText(/Ref patterns/), ' main , release/* ,');
    const ssl = within(form).getByLabelText('Enable SSL verification') as HTMLInputElement;
    expect(ssl.checked).toBe(true);
    await user.click(ssl);
    await user.click(within(form).getByRole('button', { name: 'Add header' }));
    await user.click(within(form).getByRole('button', { name: 'Add header' }));
    await user.type(within(form).getByLabelText('Header name 1'), 'X-Team');
    await user.type(within(form).getByLabelText('Header value 1'), 'ops');
    await user.type(within(form).getByLabelText('Header name 2'), 'X-Drop');
    await user.click(within(form).getByRole('button', { name: 'Remove header 2' }));
    await user.click(within(form).getByRole('button', { name: 'Add webhook' }));

    expect(await screen.findByTestId('new-webhook-secret')).toBeTruthy();
    expect(executeMutation).toHaveBeenCalledTimes(1);
    expect(executeMutation.mock.calls[0][0].variables).toEqual({
      input: {
        projectPath: 'acme/demo',
        url: 'https://example.com/hook',
        name: 'ci-bot',
        description: '',
        token: 's3cret',
        pipelineEvents: true,
        enableSslVerification: false,
        statuses: ['success', 'failed'],
        refGlobs: ['main', 'release/*'],
        customHeaders: [{ key: 'X-Team', value: 'ops' }],
      },
    });
    expect(screen.getByTestId('new-webhook-secret').textContent).toBe(SECRET);
    expect(screen.getAllByText(SECRET)).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Copy signing secret' })).toBeTruthy();
    expect(screen.getByText(/Standard Webhooks library/)).toBeTruthy();
    // The form cleared for the next hook.
    expect((within(form).getByLabelText('URL') as HTMLInputElement).value).toBe('');
  });

  it('caps custom headers at 20', async () => {
    const user = userEvent.setup();
    renderPage({ hooks: [] });
    const add = screen.getByRole('button', { name: 'Add header' }) as HTMLButtonElement;
    for (let i = 0; i < 20; i++) await user.click(add);
    expect(add.disabled).toBe(true);
    expect(screen.getByLabelText('Header name 20')).toBeTruthy();
  });

  it('shows the server’s refusal in an alert, and no secret', async () => {
    const user = userEvent.setup();
    renderPage({
      hooks: [],
      mutations: {
        WebhookCreate: () => ({
          __typename: 'WebhookCreatePayload',
          webhook: null,
          signingSecret: null,
          errors: ['url: 10.0.0.1 is an internal address'],
        }),
      },
    });
    await user.type(screen.getByLabelText('URL'), 'http://10.0.0.1/');
    await user.click(screen.getByRole('button', { name: 'Add webhook' }));
    expect((await screen.findByRole('alert')).textContent).toBe('url: 10.0.0.1 is an internal address');
    expect(screen.queryByTestId('new-webhook-secret')).toBeNull();
  });

  it.each([
    ['enabled', hook(), 'Enabled'],
    ['paused', hook({ pipelineEvents: false }), 'Paused'],
    [
      'disabled',
      hook({ executable: false, disabledAt: '2026-01-02T00:00:00Z', disabledReason: '5 events in a row failed for good' }),
      'Disabled: 5 events in a row failed for good',
    ],
  ])('lists an %s hook', (_, h, status) => {
    renderPage({ hooks: [h] });
    const table = screen.getByRole('table', { name: 'Webhooks' });
    const row = within(table).getByRole('row', { name: /ci-bot/ });
    expect(within(row).getByText(status)).toBeTruthy();
    expect(within(row).getByText('https://example.com/hook')).toBeTruthy();
    expect(within(row).getByText('Statuses: all')).toBeTruthy();
  });

  it.each([
    [{ delivery: { ...delivery, __typename: 'WebhookDelivery' }, errors: [] }, 'Delivered (HTTP 200)'],
    [
      { delivery: { ...delivery, state: 'failed', responseStatus: 500, error: 'HTTP 500' }, errors: [] },
      'Failed (HTTP 500): HTTP 500',
    ],
    [{ delivery: null, errors: ['the project has no pipelines yet'] }, 'the project has no pipelines yet'],
  ])('Test shows the outcome: %#', async (payload, outcome) => {
    const user = userEvent.setup();
    const { executeMutation } = renderPage({
      mutations: { WebhookTest: () => ({ __typename: 'WebhookDeliveryPayload', ...payload }) },
    });
    await user.click(screen.getByRole('button', { name: 'Test webhook ci-bot' }));
    const row = screen.getByRole('row', { name: /ci-bot/ });
    expect((await within(row).findByRole('status')).textContent).toBe(outcome);
    expect(executeMutation.mock.calls[0][0].variables).toEqual({ input: { id: HOOK } });
  });

  it('shows recent deliveries with details, and Resend sends the delivery’s id', async () => {
    const user = userEvent.setup();
    const { executeMutation, executeQuery } = renderPage({
      mutations: {
        WebhookDeliveryResend: () => ({ __typename: 'WebhookDeliveryPayload', delivery, errors: [] }),
      },
    });
    const toggle = screen.getByRole('button', { name: 'Recent deliveries of ci-bot' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const table = await screen.findByRole('table', { name: 'Deliveries of ci-bot' });
    const row = within(table).getAllByRole('row')[1];
    expect(within(row).getByText('Test · success')).toBeTruthy();
    expect(within(row).getByText('delivered')).toBeTruthy();
    expect(within(row).getByText('HTTP 200')).toBeTruthy();
    expect(within(row).getByText('12 ms')).toBeTruthy();
    expect(within(row).getByText(/X-Gitlab-Token: \[REDACTED\]/).tagName).toBe('PRE');
    expect(within(row).getByText('thanks').tagName).toBe('PRE');
    const queries = executeQuery.mock.calls.length;
    await user.click(within(row).getByRole('button', { name: 'Resend delivery 7' }));
    expect(executeMutation.mock.calls[0][0].variables).toEqual({ input: { id: 'gid://kickoff/WebhookDelivery/7' } });
    expect(executeQuery.mock.calls.length).toBeGreaterThan(queries); // the list refreshed
  });

  it('edits a hook: a blank token keeps the current one, no headers keeps them', async () => {
    const user = userEvent.setup();
    const { executeMutation } = renderPage({
      hooks: [hook({ hasToken: true, statuses: ['failed'], refGlobs: ['main'], customHeaderNames: ['X-Team'] })],
      mutations: { WebhookUpdate: () => ({ __typename: 'WebhookUpdatePayload', webhook: { __typename: 'Webhook', id: HOOK }, errors: [] }) },
    });
    await user.click(screen.getByRole('button', { name: 'Edit webhook ci-bot' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit webhook' });
    expect((within(dialog).getByLabelText(/Ref patterns/) as HTMLInputElement).value).toBe('main');
    expect((within(dialog).getByLabelText('failed') as HTMLInputElement).checked).toBe(true);
    await user.clear(within(dialog).getByLabelText(/Name/));
    await user.type(within(dialog).getByLabelText(/Name/), 'renamed');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    // The URL as shown (secrets as ****) is not sent back: the stored one stays.
    expect(executeMutation.mock.calls[0][0].variables).toEqual({
      input: {
        id: HOOK,
        pipelineEvents: true,
        name: 'renamed',
        description: '',
        enableSslVerification: true,
        statuses: ['failed'],
        refGlobs: ['main'],
      },
    });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('edits a hook: a new URL, paused, its headers removed', async () => {
    const user = userEvent.setup();
    const { executeMutation } = renderPage({
      hooks: [hook({ customHeaderNames: ['X-Team'] })],
      mutations: { WebhookUpdate: () => ({ __typename: 'WebhookUpdatePayload', webhook: { __typename: 'Webhook', id: HOOK }, errors: [] }) },
    });
    await user.click(screen.getByRole('button', { name: 'Edit webhook ci-bot' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit webhook' });
    const url = within(dialog).getByLabelText('URL');
    await user.clear(url);
    await user.type(url, 'https://other.example.com/in');
    await user.click(within(dialog).getByLabelText(/Send pipeline events/));
    await user.click(within(dialog).getByLabelText('Remove the current headers'));
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    expect(executeMutation.mock.calls[0][0].variables.input).toMatchObject({
      url: 'https://other.example.com/in',
      pipelineEvents: false,
      customHeaders: [],
    });
  });

  it('rotates the signing secret after confirming, and shows the new one', async () => {
    const user = userEvent.setup();
    renderPage({
      mutations: {
        WebhookRotateSigningSecret: () => ({ __typename: 'WebhookCreatePayload', signingSecret: SECRET, errors: [] }),
      },
    });
    await user.click(screen.getByRole('button', { name: 'Rotate signing secret of webhook ci-bot' }));
    const dialog = screen.getByRole('dialog', { name: 'Rotate signing secret?' });
    await user.click(within(dialog).getByRole('button', { name: 'Rotate signing secret' }));
    expect((await screen.findByTestId('new-webhook-secret')).textContent).toBe(SECRET);
  });

  it('deletes a hook after confirming', async () => {
    const user = userEvent.setup();
    const { executeMutation } = renderPage({
      mutations: { WebhookDelete: () => ({ __typename: 'WebhookDeletePayload', errors: [] }) },
    });
    await user.click(screen.getByRole('button', { name: 'Delete webhook ci-bot' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete webhook?' })).getByRole('button', { name: 'Delete webhook' }));
    expect(executeMutation.mock.calls[0][0].variables).toEqual({ input: { id: HOOK } });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('tells Developers they need the Maintainer role, without asking for the hooks', () => {
    const { executeQuery } = renderPage({ userPermissions: developerPermissions });
    expect(screen.getByText('You need the Maintainer role')).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Add new webhook' })).toBeNull();
    expect(executeQuery).not.toHaveBeenCalled();
  });
});
