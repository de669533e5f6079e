import { ARTICLE_STATUSES } from './article.entity.js';
import { ANNOUNCES, TRANSITIONS, WorkflowEvent } from './article-workflow.js';

/** The transition table as Markdown (README "How it works" shows it; a test keeps the two the same). */
export function workflowTableMarkdown(): string {
  const events = Object.values(WorkflowEvent);
  const header = `| state \\ event | ${events.map((event) => `\`${event}\``).join(' | ')} |`;
  const rule = `|---|${events.map(() => '---').join('|')}|`;
  const rows = ARTICLE_STATUSES.map((state) => {
    const cells = events.map((event) => {
      const target = TRANSITIONS[state][event];
      if (target === undefined) return '';
      return target === 'stay' ? '=' : `**${target}**`;
    });
    return `| \`${state}\` | ${cells.join(' | ')} |`;
  });
  const announced = events
    .filter((event) => ANNOUNCES[event])
    .map((event) => `\`${event}\` → \`${ANNOUNCES[event]}\``)
    .join(', ');
  return [header, rule, ...rows, '', `Domain events announced: ${announced}.`].join('\n');
}
