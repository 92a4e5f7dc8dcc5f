/**
 * An input of a build: what seedaudit classifies. Every fixed-output derivation (a
 * download, or a hash-pinned build), every `inputSrcs` path and every builder outside the
 * store. Shared by the facts, classify, inspect and gate stages.
 */
import type { Derivation } from './graph.js';
import type { ContentFacts } from './facts.js';
import type { Evidence, InputClass, InputKind } from './report.js';

export interface RawInput {
  id: string;
  kind: InputKind;
  name: string;
  /** the FOD itself; for input-src/builder: null */
  drv: Derivation | null;
  path: string | null;
  urls: string[];
  hash: string | null;
  hashMode: string | null;
  /** every fixed-output derivation producing this store object (the first is `drv`) */
  drvs: string[];
  /** derivations that take this input directly */
  users: string[];
}

/** An input with its verdict: the class and the evidence that decided it. */
export interface ClassifiedInput extends RawInput {
  class: InputClass;
  evidence: Evidence[];
  /**
   * What inspection read in its store path (null: not on this machine), kept for the ELF
   * attribution. The other facts are not kept: a scan of a large graph would hold them all.
   */
  contents: ContentFacts | null;
}
