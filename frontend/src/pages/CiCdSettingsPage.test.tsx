import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { mockClient, WithClient } from '../test/urql';
import { WithProject } from '../test/project';
import type { AccessLevel } from '../gql/graphql';
import { CiCdSettingsPage } from './CiCdSettingsPage';

function renderAs(level: AccessLevel) {
  const { client, executeQuery } = mockClient(() => ({
    data: {
      project: {
        __typename: 'Project',
        id: 'proj',
        pipelineTriggers: { __typename: 'PipelineTriggerConnection', totalCount: 0, nodes: [] },
      },
    },
  }));
  render(
    <WithClient client={client}>
      <WithProject project={{ viewerAccessLevel: level }}>
        <MemoryRouter>
          <CiCdSettingsPage />
        </MemoryRouter>
      </WithProject>
    </WithClient>,
  );
  return executeQuery;
}

describe('CiCdSettingsPage', () => {
  it('shows the Pipeline trigger tokens section to Maintainers', () => {
    renderAs('MAINTAINER');
    expect(screen.getByRole('heading', { name: 'Pipeline trigger tokens' })).toBeTruthy();
    expect(screen.getByLabelText('Description')).toBeTruthy();
    expect(screen.getByLabelText(/Expiration date/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create pipeline trigger token' })).toBeTruthy();
    expect(screen.getByRole('tablist', { name: 'Usage examples' })).toBeTruthy();
  });

  it('tells Developers they need the Maintainer role, without asking for the tokens', () => {
    const executeQuery = renderAs('DEVELOPER');
    expect(screen.getByText('You need the Maintainer role')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Pipeline trigger tokens' })).toBeNull();
    expect(executeQuery).not.toHaveBeenCalled();
  });
});
