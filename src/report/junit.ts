/**
 * JUnit XML for CI test-report views (Jenkins, GitLab, GitHub test reporters): one
 * `<testsuite>` per root and one `<testcase>` per binary (or unknown) input in that root's
 * closure, plus one per ELF file that came from a prebuilt or a foreign toolchain.
 *
 * A testcase states whether the binary is vouched for, which is the allowlist's question,
 * so it fails when the binary is not allowlisted or its entry has expired, independent of
 * `--fail-on never` (a report-only run still shows what would be red). Two things the user
 * explicitly accepted are `<skipped>` rather than failures: binaries already in the
 * baseline, and unknown inputs when the gate does not fail on unknown.
 *
 * Built with fast-xml-parser's XMLBuilder, which entity-escapes text and attributes; graph
 * text additionally goes through xmlSafe, because characters XML 1.0 forbids (most C0
 * controls) would make the whole file unparseable, and a CI report that fails to parse is
 * a report nobody reads.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { ElfFinding, ReportInput, ScanReport } from '../model/report.js';
import { escapeControl, xmlSafe } from './escape.js';
import { elfIsItem, elfName, gateItemsOf } from '../model/gate.js';
import type { GateItem } from '../model/report.js';
import { gateCountPairs } from './headline.js';

/** attribute values are single-line: XML parsers fold raw newlines in attributes to spaces */
const attr = (s: string): string => xmlSafe(escapeControl(s));
const text = (s: string): string => xmlSafe(s);

interface Case {
  '@_name': string;
  '@_classname': string;
  '@_time': string;
  failure?: { '@_message': string; '@_type': string; '#text': string };
  skipped?: { '@_message': string };
  'system-out'?: string;
}

interface Suite {
  name: string;
  id: string;
  properties: [string, string][];
  cases: Case[];
}

const inputBody = (i: ReportInput): string => {
  const a = i.allowlist;
  const lines = [
    `${i.class} ${i.kind} input ${i.name}`,
    `id: ${i.id}`,
    `hash: ${i.hash ?? 'none'}${i.hashMode ? ` (${i.hashMode})` : ''}`,
    ...(i.urls.length ? ['urls:', ...i.urls.map((u) => `  ${u}`)] : ['urls: none']),
    'evidence:',
    ...i.evidence.map((e) => `  [${e.rule}] ${e.detail}`),
    `via: ${i.via.join(' -> ') || 'no chain recorded'}`,
    a
      ? `allowlist: entry ${a.name} (${a.reason}), ${a.expires ? `${a.expired ? 'expired' : 'expires'} ${a.expires}` : 'no expiry'}`
      : 'allowlist: no entry matches this hash',
  ];
  return text(lines.join('\n'));
};

const inputCase = (i: ReportInput, report: ScanReport): Case => {
  const c: Case = { '@_name': attr(i.name), '@_classname': `seedaudit.${attr(i.class)}`, '@_time': '0' };
  const a = i.allowlist;
  if (i.allowlisted && a) {
    c['system-out'] = text(`allowlisted by ${a.name}: ${a.reason}${a.expires ? ` (expires ${a.expires})` : ''}`);
  } else if (i.gate === 'baseline') {
    c.skipped = { '@_message': attr(`${i.class} binary ${i.name} is accepted by the baseline, not allowlisted`) };
  } else if (i.class === 'unknown' && report.gate.failOn !== 'unknown') {
    c.skipped = { '@_message': attr(`${i.name} could not be classified; the gate fails on unknown inputs only with --fail-on unknown`) };
  } else {
    const expired = a?.expired === true;
    const what = i.class === 'unknown' ? `unclassified input ${i.name}` : `${i.class} binary ${i.name}`;
    c.failure = {
      '@_message': attr(expired ? `${what}: allowlist entry ${a?.name} expired ${a?.expires}` : `${what} is not allowlisted`),
      '@_type': expired ? 'allowlist-expired' : i.class === 'unknown' ? 'unknown-input' : 'not-allowlisted',
      '#text': inputBody(i),
    };
  }
  return c;
};

const elfCase = (f: ElfFinding, byId: Map<string, ReportInput>, item: GateItem | undefined): Case => {
  // f.path is the file's full path (inside f.storePath): named as `<output name>/<path inside it>`
  const full = f.path.startsWith('/') ? f.path : `${f.storePath}/${f.path}`;
  const c: Case = { '@_name': attr(elfName({ path: full, storePath: f.storePath })), '@_classname': `seedaudit.elf.${attr(f.provenance)}`, '@_time': '0' };
  const from = f.fromInput ? byId.get(f.fromInput) : undefined;
  const body = text(
    [
      `${f.provenance} ELF file ${f.path} in ${f.storePath}`,
      `produced by: ${f.producedBy.name ?? 'unknown'}${f.producedBy.drv ? ` (${f.producedBy.drv})` : ''}`,
      ...(from ? [`from input: ${from.name} (${from.class}, ${from.hash ?? 'no hash'})`] : []),
      [f.class, f.machine, f.type].filter(Boolean).join(' '),
      'evidence:',
      ...f.evidence.map((e) => `  [${e.rule}] ${e.detail}`),
    ].join('\n'),
  );
  const accepted = item ? item.status === 'allowlist' || item.status === 'baseline' : f.gate !== 'fail';
  if (item?.status === 'baseline' || f.gate === 'baseline') {
    c.skipped = { '@_message': attr(`${f.path}: ${f.provenance} ELF file accepted by the baseline, not allowlisted`) };
  } else if (!accepted) {
    c.failure = { '@_message': attr(`${f.path}: ${f.provenance} ELF file in ${f.producedBy.name ?? f.storePath}`), '@_type': f.provenance, '#text': body };
  } else {
    c['system-out'] = body;
  }
  return c;
};

/** Same-named inputs (two fetches both called `source`) get their hash appended so CI views keep them apart. */
const disambiguate = (cases: Case[], keys: string[]): void => {
  const seen = new Map<string, number>();
  for (const c of cases) seen.set(c['@_name'], (seen.get(c['@_name']) ?? 0) + 1);
  cases.forEach((c, n) => {
    if ((seen.get(c['@_name']) ?? 0) > 1) c['@_name'] = `${c['@_name']} [${attr(keys[n] ?? String(n))}]`;
  });
};

export const renderJunit = (report: ScanReport): string => {
  const byId = new Map(report.inputs.map((i) => [i.id, i]));
  const { items, counts } = gateItemsOf(report);
  const itemOf = new Map(items.map((i) => [`${i.kind}\u0000${i.ref}`, i]));
  const common: [string, string][] = [
    ['seedaudit.version', report.tool.version],
    ...gateCountPairs(counts).map(([k, v]): [string, string] => [`seedaudit.gate.${k.replace(/ /g, '-')}`, String(v)]),
    ['graph', `${report.graph.kind} ${report.graph.format}: ${report.graph.detail}`],
    ['allowlist', report.allowlist.file],
    ['fail-on', report.gate.failOn],
    ...(report.gate.baseline ? ([['baseline', report.gate.baseline]] as [string, string][]) : []),
  ];
  // One pass over the inputs, each binary or unknown one filed under every root it reaches
  // (a filter per root costs roots x inputs: minutes for 10k roots of a package set).
  const rootIndex = new Map(report.roots.map((r, n) => [r.drv, n]));
  const perRoot: ReportInput[][] = report.roots.map(() => []);
  for (const i of report.inputs) {
    if (!i.binary && i.class !== 'unknown') continue;
    for (const drv of i.roots) {
      const n = rootIndex.get(drv);
      if (n !== undefined) perRoot[n].push(i);
    }
  }
  const suites: Suite[] = report.roots.map((r, n) => {
    const inputs = perRoot[n];
    const cases = inputs.map((i) => inputCase(i, report));
    disambiguate(cases, inputs.map((i) => i.hash ?? i.id));
    return { name: r.name, id: String(n), properties: [['root', r.drv], ...common], cases };
  });

  // An ELF finding belongs to the roots of the input it came from; without one (a foreign
  // toolchain, say) to the root that produced it, else to a suite of its own.
  const orphans: Case[] = [];
  for (const f of report.elf) {
    if (!elfIsItem(f, report.gate.failOn)) continue;
    const item = itemOf.get(`output-elf\u0000${f.path}`);
    const fromRoots = (f.fromInput && byId.get(f.fromInput)?.roots) || [];
    const targetIds = new Set<number>();
    for (const drv of [...fromRoots, f.producedBy.drv]) {
      const n = drv === null ? undefined : rootIndex.get(drv);
      if (n !== undefined) targetIds.add(n);
    }
    const targets = [...targetIds].sort((a, b) => a - b).map((n) => suites[n]);
    if (targets.length === 0) orphans.push(elfCase(f, byId, item));
    for (const s of targets) s.cases.push(elfCase(f, byId, item));
  }
  // outputs inspection could not read (items only under --fail-on unknown)
  const uninspected = items.filter((i) => i.kind === 'uninspected');
  if (uninspected.length)
    suites.push({
      name: 'Inspection coverage',
      id: String(suites.length),
      properties: common,
      cases: uninspected.map((i): Case => {
        const c: Case = { '@_name': attr(i.name), '@_classname': 'seedaudit.uninspected', '@_time': '0' };
        if (i.status === 'baseline') c.skipped = { '@_message': attr(`${i.name}: uninspected, accepted by the baseline`) };
        else if (i.status === 'fail' || i.status === 'report-only') c.failure = { '@_message': attr(`${i.name} was not inspected`), '@_type': 'uninspected', '#text': text(i.reason) };
        else c['system-out'] = text(i.reason);
        return c;
      }),
    });
  // declared vs detected provenance: a disagreement fails only as a gate item (--fail-on provenance)
  const checks = report.provenance?.checks ?? [];
  if (checks.length) {
    const provItems = new Map(items.filter((i) => i.kind === 'provenance').map((i) => [i.ref, i]));
    const cases = checks.map((p): Case => {
      const c: Case = { '@_name': attr(p.attr ?? p.name), '@_classname': `seedaudit.provenance.${attr(p.verdict)}`, '@_time': '0' };
      const item = provItems.get(p.drv);
      if (p.verdict !== 'disagrees') c['system-out'] = text(p.detail);
      else if (item?.status === 'baseline') c.skipped = { '@_message': attr(`${p.detail}; accepted by the baseline`) };
      else if (item) c.failure = { '@_message': attr(p.detail), '@_type': attr(p.finding ?? 'provenance'), '#text': text(`${p.detail}\nderivation: ${p.drv}\ndeclared: ${p.declared.join(', ')}`) };
      else c.skipped = { '@_message': attr(`${p.detail} (gate it with --fail-on provenance)`) };
      return c;
    });
    disambiguate(cases, checks.map((p) => p.drv));
    suites.push({ name: 'Declared vs detected provenance', id: String(suites.length), properties: common, cases });
  }
  if (orphans.length) suites.push({ name: 'ELF findings', id: String(suites.length), properties: common, cases: orphans });

  let tests = 0;
  let failures = 0;
  const suiteNodes = suites.map((s) => {
    const f = s.cases.filter((c) => c.failure).length;
    const sk = s.cases.filter((c) => c.skipped).length;
    tests += s.cases.length;
    failures += f;
    return {
      '@_name': attr(s.name),
      '@_tests': String(s.cases.length),
      '@_failures': String(f),
      '@_errors': '0',
      '@_skipped': String(sk),
      '@_time': '0',
      '@_timestamp': attr(report.generatedAt),
      '@_id': s.id,
      '@_package': 'seedaudit',
      properties: { property: s.properties.map(([name, value]) => ({ '@_name': name, '@_value': attr(value) })) },
      testcase: s.cases,
    };
  });

  const builder = new XMLBuilder({
    ignoreAttributes: false,
    format: true,
    // a value that happens to be "true" must stay name="true", not become a bare attribute
    suppressBooleanAttributes: false,
    suppressEmptyNode: true,
  });
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'seedaudit',
      '@_tests': String(tests),
      '@_failures': String(failures),
      '@_errors': '0',
      '@_time': '0',
      testsuite: suiteNodes,
    },
  });
};
