import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workflowTableMarkdown } from './workflow-table.js';

describe('README "How it works"', () => {
  it('shows the transition table the code runs', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const start = readme.indexOf('<!-- workflow-table -->');
    const end = readme.indexOf('<!-- /workflow-table -->');
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + '<!-- workflow-table -->'.length, end).trim()).toBe(workflowTableMarkdown());
  });
});
