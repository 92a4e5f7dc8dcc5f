import t from 'tap';
import { renderText } from '../../src/report/text.js';
import { makeReport } from './fixture.js';

t.test('text report: summary, binaries with evidence, gate verdict; hostile names neutralised', async (t) => {
  const r = makeReport();
  const plain = renderText(r, { color: false });
  t.match(plain, /Binary inputs \(\d+\)/);
  t.match(plain, /Gate \(--fail-on /);
  t.notMatch(plain, /\x1b\[/, 'no ANSI colour when colour is off');
  for (const i of r.inputs.filter((x) => x.binary)) for (const e of i.evidence) t.ok(plain.includes(e.rule), `${i.name}: ${e.rule} shown`);
  const coloured = renderText(r, { color: true });
  t.match(coloured, /\x1b\[/, 'colour on a terminal');

  const evil = structuredClone(r);
  evil.inputs[0].name = 'x\x1b[2J\rFAKE PASSED\u202e';
  const out = renderText(evil, { color: false });
  t.notMatch(out, /\x1b\[2J/);
  t.notMatch(out, /\r/);
  t.match(out, /\\x1b\[2J\\x0dFAKE PASSED\\u\{202e\}/);
});
