import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { UsageExamples, usageExamples } from './UsageExamples';

describe('usageExamples', () => {
  const examples = Object.fromEntries(
    usageExamples('https://ci.example.com', '4294967297', 'acme/demo', 'main').map((e) => [e.id, e.code]),
  );

  it('uses the real URL, project id and the TOKEN placeholder', () => {
    expect(examples.curl).toContain('https://ci.example.com/api/v4/projects/4294967297/trigger/pipeline');
    expect(examples.curl).toContain('-F token=TOKEN');
    expect(examples.curl).toContain('-F ref=REF_NAME');
    expect(examples['gitlab-ci']).toContain('trigger_kickoff:');
    expect(examples['gitlab-ci']).toContain('--form ref=main');
    expect(examples['github-actions']).toContain('runs-on: ubuntu-latest');
    expect(examples.wget).toBe('wget --quiet --output-document=- --post-data="" "https://ci.example.com/api/trigger/TOKEN"');
    expect(examples.cron).toMatch(/^0 3 \* \* \* curl --fail .*"https:\/\/ci\.example\.com\/api\/trigger\/TOKEN"/);
    expect(examples.webhook).toBe('https://ci.example.com/api/v4/projects/acme%2Fdemo/ref/REF_NAME/trigger/pipeline?token=TOKEN');
    expect(examples.signed).toContain(`openssl dgst -sha256 -hmac "$SIGNING_SECRET"`);
    expect(examples.signed).toContain('-H "X-Kickoff-Signature: sha256=$sig"');
    expect(examples.signed).toContain('"https://ci.example.com/api/trigger/TOKEN"');
  });
});

describe('UsageExamples', () => {
  it('switches examples with the tabs, also with the arrow keys', async () => {
    const user = userEvent.setup();
    render(<UsageExamples projectId="7" fullPath="acme/demo" defaultBranch="main" origin="http://localhost:8080" />);
    expect(screen.getByRole('tab', { name: 'cURL', selected: true })).toBeTruthy();
    expect(screen.getByRole('tabpanel').textContent).toContain('http://localhost:8080/api/v4/projects/7/trigger/pipeline');

    await user.click(screen.getByRole('tab', { name: 'wget' }));
    expect(screen.getByRole('tabpanel').textContent).toContain('http://localhost:8080/api/trigger/TOKEN');
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'cron', selected: true })).toBe(document.activeElement);
  });
});
