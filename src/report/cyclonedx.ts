/**
 * CycloneDX 1.6 JSON, for SBOM platforms (Dependency-Track and the like), built with the
 * CycloneDX project's own library (@cyclonedx/cyclonedx-library): its model, its 1.6
 * normaliser and its JSON serialiser, so the format is not written by hand here.
 *
 * - one `file` component per input (download, input source, host builder), with its bom-ref the
 *   report's input id (the .drv of a fixed output, else the path), a `pkg:generic` purl
 *   carrying the download URL and the sha256 checksum, the hash (a flat fixed output's hash is
 *   the file's: SHA-256/512 in `hashes`; a recursive (NAR) hash is not a file hash and is a
 *   `nix:narHash` property instead), its URLs as `distribution` external references, and the
 *   verdict as properties: `seedaudit:class`, `seedaudit:rule` (the deciding rule),
 *   `seedaudit:evidence` (every rule and fact), `seedaudit:allowlist` and `seedaudit:gate`;
 * - the roots as the metadata component (one root), or as the sub-components of a metadata
 *   component standing for the scan (several);
 * - a dependency from each root to every seed and prebuilt input in its closure: the binaries
 *   it trusts. Source inputs are listed as components without an edge.
 * - the gate counts (`seedaudit:gate:*`) and the provenance checks as metadata properties.
 *
 * The output is deterministic: the serial number is derived from the report's content.
 */
import { createHash } from 'node:crypto';
import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import type { ReportInput, ReportRoot, ScanReport } from '../model/report.js';
import { gateItemsOf } from '../model/gate.js';
import { gateCountPairs } from './headline.js';

const HASH_ALGOS: Record<string, Enums.HashAlgorithm> = {
  sha1: Enums.HashAlgorithm['SHA-1'],
  sha256: Enums.HashAlgorithm['SHA-256'],
  sha512: Enums.HashAlgorithm['SHA-512'],
  md5: Enums.HashAlgorithm.MD5,
};

/** `sha256-<base64>` -> [algorithm, hex] */
const sriToHex = (sri: string): [string, string] | null => {
  const m = /^([a-z0-9]+)-([A-Za-z0-9+/]+=*)$/.exec(sri);
  return m ? [m[1] as string, Buffer.from(m[2] as string, 'base64').toString('hex')] : null;
};

/** A flat fixed output's hash is the downloaded file's; recursive (NAR) and text hashes are not. */
const isFileHash = (i: ReportInput): boolean => i.hashMode === 'flat';

const allowlistState = (i: ReportInput): string =>
  i.allowlisted ? 'allowlisted' : i.allowlist?.expired ? 'expired' : i.binary || i.class === 'unknown' ? 'not-allowlisted' : 'n/a';

/**
 * URLs a consumer can fetch: `mirror://gnu/…` and other Nix-internal schemes are not IRIs with a
 * registered scheme (the 1.6 schema's iri-reference) and resolve only inside Nix; they are kept
 * as `nix:url` properties.
 */
export const isDownloadUrl = (u: string): boolean => /^(https?|ftps?|file):\/\/[^\s]+$/i.test(u);

const purlOf = (i: ReportInput, hex: [string, string] | null): string | undefined => {
  const qualifiers: Record<string, string> = {};
  const url = i.urls.find(isDownloadUrl);
  if (url) qualifiers.download_url = url;
  if (hex && isFileHash(i)) qualifiers.checksum = `${hex[0]}:${hex[1]}`;
  if (i.kind === 'builder') return undefined;
  return new PackageURL('generic', undefined, i.name, undefined, Object.keys(qualifiers).length ? qualifiers : undefined, undefined).toString();
};

const prop = (name: string, value: string): Models.Property => new Models.Property(name, value);

const inputComponent = (i: ReportInput): Models.Component => {
  const hex = i.hash ? sriToHex(i.hash) : null;
  const hashes = new Models.HashDictionary();
  const algo = hex ? HASH_ALGOS[hex[0]] : undefined;
  if (hex && algo && isFileHash(i)) hashes.set(algo, hex[1]);
  const props = [
    prop('seedaudit:class', i.class),
    prop('seedaudit:kind', i.kind),
    prop('seedaudit:gate', i.gate),
    prop('seedaudit:allowlist', allowlistState(i)),
    ...(i.allowlist ? [prop('seedaudit:allowlist:entry', i.allowlist.name)] : []),
    ...(i.evidence[0] ? [prop('seedaudit:rule', i.evidence[0].rule)] : []),
    ...i.evidence.map((e) => prop('seedaudit:evidence', `${e.rule}: ${e.detail}`)),
    ...(i.via.length ? [prop('seedaudit:via', i.via.join(' -> '))] : []),
    ...i.urls.map((u) => prop('nix:url', u)),
    ...(i.drv ? [prop('nix:drv', i.drv)] : []),
    ...(i.path ? [prop('nix:storePath', i.path)] : []),
    ...(i.hashMode ? [prop('nix:hashMode', i.hashMode)] : []),
    ...(i.hash && !isFileHash(i) ? [prop('nix:narHash', i.hash)] : []),
    ...(typeof i.size === 'number' ? [prop('seedaudit:size', String(i.size))] : []),
  ];
  return new Models.Component(Enums.ComponentType.File, i.name, {
    bomRef: i.id,
    purl: purlOf(i, hex),
    hashes,
    externalReferences: new Models.ExternalReferenceRepository(
      i.urls.filter(isDownloadUrl).map((u) => new Models.ExternalReference(u, Enums.ExternalReferenceType.Distribution)),
    ),
    properties: new Models.PropertyRepository(props),
  });
};

/** A root's bom-ref: its .drv, unless the root is itself an input (a fixed output scanned as a root). */
export const rootRef = (r: ReportRoot, report: ScanReport): string => (report.inputs.some((i) => i.id === r.drv) ? `${r.drv}#root` : r.drv);

const rootComponent = (r: ReportRoot, report: ScanReport): Models.Component => {
  const check = report.provenance?.checks.find((c) => c.drv === r.drv);
  return new Models.Component(Enums.ComponentType.Application, r.name, {
    bomRef: rootRef(r, report),
    properties: new Models.PropertyRepository([
      prop('nix:drv', r.drv),
      ...(r.attr ? [prop('nix:attr', r.attr)] : []),
      ...(r.position ? [prop('nix:position', `${r.position.file}:${r.position.line}`)] : []),
      ...(check
        ? [
            prop('seedaudit:provenance:declared', check.declared.join(',') || 'none'),
            prop('seedaudit:provenance:verdict', check.verdict),
            prop('seedaudit:provenance:detail', check.detail),
          ]
        : []),
    ]),
  });
};

const serialOf = (report: ScanReport): string => {
  const h = createHash('sha256').update(JSON.stringify([report.roots, report.inputs.map((i) => [i.id, i.class, i.gate]), report.generatedAt])).digest('hex');
  // an RFC 4122 version-4 layout, from the digest rather than from randomness
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export const renderCycloneDx = (report: ScanReport): string => {
  const { counts } = gateItemsOf(report);
  const components = new Map(report.inputs.map((i) => [i.id, inputComponent(i)]));
  const roots = report.roots.map((r) => rootComponent(r, report));
  const byRoot = new Map(report.trustBase.map((t) => [t.root, [...t.seeds, ...t.prebuilt]]));
  roots.forEach((c, n) => {
    const r = report.roots[n] as ReportRoot;
    for (const id of byRoot.get(r.drv) ?? []) {
      const dep = components.get(id);
      if (dep) c.dependencies.add(dep.bomRef);
    }
  });

  const main =
    roots.length === 1
      ? (roots[0] as Models.Component)
      : new Models.Component(Enums.ComponentType.Application, report.roots.map((r) => r.name).join(', ') || 'no roots', {
          bomRef: 'seedaudit:scan',
          components: new Models.ComponentRepository(roots),
        });
  if (roots.length !== 1) for (const r of roots) main.dependencies.add(r.bomRef);

  const tool = new Models.Component(Enums.ComponentType.Application, 'seedaudit', { version: report.tool.version });
  const metaProps = [
    ...gateCountPairs(counts).map(([k, v]) => prop(`seedaudit:gate:${k.replace(/ /g, '-')}`, String(v))),
    prop('seedaudit:gate:passed', String(report.gate.passed)),
    prop('seedaudit:gate:fail-on', report.gate.failOn),
    prop('seedaudit:graph', `${report.graph.kind} ${report.graph.format}: ${report.graph.detail}`),
    prop('seedaudit:allowlist', report.allowlist.file),
    ...(report.provenance?.checks ?? []).map((c) => prop(`seedaudit:provenance:${c.verdict}`, `${c.attr ?? c.name}: ${c.detail}`)),
  ];
  const bom = new Models.Bom({
    serialNumber: serialOf(report),
    metadata: new Models.Metadata({
      timestamp: new Date(report.generatedAt),
      tools: new Models.Tools({ components: new Models.ComponentRepository([tool]) }),
      component: main,
      properties: new Models.PropertyRepository(metaProps),
    }),
    components: new Models.ComponentRepository(components.values()),
  });
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: false, space: 2 })}\n`;
};
