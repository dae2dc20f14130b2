import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCondition, drawFlow, drawFlows, drawnFlows, FLOWS_DOC } from '../../../scripts/draw-flows.js';
import { loadFlowCatalog } from '../../../src/flows/catalog.js';
import { loadCatalogues } from '../../../src/i18n/translator.js';

const en = loadCatalogues().en;

function flow(id: string) {
  const found = drawnFlows().find((f) => f.id === id);
  if (!found) throw new Error(`flow ${id} is not drawn`);
  return found;
}

describe('drawFlows', () => {
  it('draws the support request with every step, its English prompt and the way out', () => {
    const support = flow('support_request');
    const chart = drawFlow(support, en);

    expect(chart.startsWith('flowchart TD\n')).toBe(true);
    for (const id of Object.keys(support.steps)) {
      expect(chart).toMatch(new RegExp(`^  s_${id}[[(]"<b>${id}</b>`, 'm'));
    }
    expect(chart).toContain('What is their national ID or iqama number? (10 digits)');
    expect(chart).toContain('t_action_submit_case[/"action: submit_case"/]');
    expect(chart).toContain('s_declaration --> t_action_submit_case');
  });

  it('shows skipIf as a dashed edge and conditions as edge labels', () => {
    const support = drawFlow(flow('support_request'), en);
    expect(support).toContain('s_relationship -.->|"skip if not (for_whom = family_member)"| s_full_name');
    expect(support).toContain('s_doc_lease -.->|"skip if not (housing = rented or support_type = rent)"| s_doc_medical');

    const menu = drawFlow(flow('menu'), en);
    expect(menu).toContain('s_menu -->|"menu = request"| t_flow_support_request');
    expect(menu).toContain('s_menu -->|"otherwise"| t_action_show_help');
    expect(menu).toContain('t_flow_support_request[["flow: support_request"]]');

    const withdraw = drawFlow(flow('withdraw'), en);
    expect(withdraw).toContain('t_end(("end: main menu"))');
    expect(withdraw).toContain('s_confirm -->|"otherwise"| t_end');
  });

  it('words nested conditions with parentheses', () => {
    expect(describeCondition({ all: [{ field: 'a', equals: 1 }, { any: [{ field: 'b', in: ['x', 'y'] }, { not: { field: 'c', gt: 2 } }] }] })).toBe(
      'a = 1 and (b in (x, y) or not (c > 2))',
    );
  });

  it('draws the flows the catalog serves, and is the same every time', () => {
    const catalog = loadFlowCatalog();
    for (const drawn of drawnFlows()) expect(catalog.get(drawn.id)).toEqual(drawn);
    expect(drawFlows()).toBe(drawFlows());
  });

  it('matches docs/flows.md (run `npm run flows:draw` after changing a flow or an English prompt)', () => {
    expect(readFileSync(FLOWS_DOC, 'utf8')).toBe(drawFlows());
  });
});
