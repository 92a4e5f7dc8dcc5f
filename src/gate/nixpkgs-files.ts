/**
 * The bootstrap seeds a local nixpkgs checkout pins, read from its files (nothing is evaluated):
 *
 *  - pkgs/stdenv/{linux,darwin,freebsd}/bootstrap-files/<target>.nix: each
 *    `import <nix/fetchurl.nix> { url = …; hash|sha256 = …; executable = true; unpack = true; }`
 *  - pkgs/os-specific/linux/minimal-bootstrap/stage0-posix/hex0.nix: the per-architecture hash table
 *    of the hex0-seed and the bootstrap-seeds URL it is fetched from (`…/POSIX/${stage0Arch}/hex0-seed`).
 *
 * `seedaudit allowlist import --nixpkgs PATH` turns them into allowlist entries, so a team pins
 * exactly the seeds of the nixpkgs revision it audited.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { parseHash, toSRI } from '../graph/hash.js';

export interface CheckoutSeed {
  name: string;
  /** normalised SRI */
  hash: string;
  hashMode: 'flat' | 'recursive';
  url: string;
  /** Nix system (x86_64-linux) */
  system: string;
  /** host triple or stage0 architecture */
  target: string;
  /** the file it was read from, relative to the checkout */
  file: string;
  /** the attribute (bootstrapTools, busybox, unpack) or `hex0-seed` */
  attr: string;
}

const BOOTSTRAP_DIRS = ['pkgs/stdenv/linux/bootstrap-files', 'pkgs/stdenv/darwin/bootstrap-files', 'pkgs/stdenv/freebsd/bootstrap-files'];
const HEX0 = 'pkgs/os-specific/linux/minimal-bootstrap/stage0-posix/hex0.nix';
/** stage0 architecture -> Nix system, as minimal-bootstrap/stage0-posix/platforms.nix maps them (plus the riscv seeds). */
export const STAGE0_SYSTEMS: Record<string, string> = {
  x86: 'i686-linux', AMD64: 'x86_64-linux', AArch64: 'aarch64-linux', riscv32: 'riscv32-linux', riscv64: 'riscv64-linux',
};

/** `x86_64-unknown-linux-musl` -> `x86_64-linux`; the old `x86_64.nix`/`aarch64-musl.nix` names -> `<arch>-linux`. */
export function systemOfTarget(target: string, dir: string): string {
  const parts = target.split('-');
  const os = dir.includes('/darwin/') ? 'darwin' : dir.includes('/freebsd/') ? 'freebsd' : 'linux';
  return `${parts[0]}-${os}`;
}

/** The attribute sets `name = import <nix/fetchurl.nix> { … };` of a bootstrap-files file. */
function fetchurlBlocks(text: string): { attr: string; body: string }[] {
  const out: { attr: string; body: string }[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*import\s*<nix\/fetchurl\.nix>\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 1;
    let i = re.lastIndex;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
    }
    out.push({ attr: m[1], body: text.slice(re.lastIndex, i - 1) });
  }
  return out;
}

const attrValue = (body: string, key: string): string | undefined => {
  // a quoted string or a bare URL literal (older files write `url = http://…;`)
  const m = new RegExp(`(?:^|[\\s;{])${key}\\s*=\\s*(?:"([^"]*)"|([^\\s;"]+))\\s*;`).exec(body.replace(/#[^\n]*/g, ''));
  return m ? (m[1] ?? m[2]) : undefined;
};

function normalise(hash: string, where: string): string {
  try {
    return toSRI(parseHash(hash, 'sha256'));
  } catch (e) {
    throw new InputError(`${where}: hash '${hash}' cannot be read (${(e as Error).message})`);
  }
}

/** Every seed the checkout's bootstrap-files and minimal-bootstrap hex0.nix pin. */
export function readNixpkgsSeeds(root: string): CheckoutSeed[] {
  if (!existsSync(path.join(root, 'pkgs'))) throw new InputError(`--nixpkgs ${root}: not a nixpkgs checkout (no pkgs/ directory)`);
  const seeds: CheckoutSeed[] = [];
  for (const dir of BOOTSTRAP_DIRS) {
    const abs = path.join(root, dir);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs).filter((x) => x.endsWith('.nix')).sort()) {
      const file = `${dir}/${f}`;
      const text = readFileSync(path.join(abs, f), 'utf8');
      const target = f.slice(0, -'.nix'.length);
      for (const { attr, body } of fetchurlBlocks(text)) {
        const url = attrValue(body, 'url');
        const raw = attrValue(body, 'hash') ?? attrValue(body, 'sha256');
        if (!url || !raw) continue;
        const recursive = attrValue(body, 'executable') === 'true' || attrValue(body, 'unpack') === 'true';
        seeds.push({
          name: attrValue(body, 'name') ?? url.slice(url.lastIndexOf('/') + 1),
          hash: normalise(raw, file),
          hashMode: recursive ? 'recursive' : 'flat',
          url, system: systemOfTarget(target, `/${dir}/`), target, file, attr,
        });
      }
    }
  }
  const hex0 = path.join(root, HEX0);
  if (existsSync(hex0)) {
    const text = readFileSync(hex0, 'utf8');
    const url = /url\s*=\s*"(https:\/\/github\.com\/oriansj\/bootstrap-seeds\/raw\/[0-9a-f]{40}\/POSIX\/\$\{stage0Arch\}\/hex0-seed)"/.exec(text)?.[1];
    if (url)
      for (const m of text.matchAll(/"(x86|AMD64|AArch64|riscv32|riscv64)"\s*=\s*"(sha256-[A-Za-z0-9+/]{43}=)"/g))
        seeds.push({
          name: 'hex0-seed', hash: normalise(m[2], HEX0), hashMode: 'recursive', url: url.replace('${stage0Arch}', m[1]),
          system: STAGE0_SYSTEMS[m[1]], target: m[1], file: HEX0, attr: 'hex0-seed',
        });
  }
  return seeds;
}
