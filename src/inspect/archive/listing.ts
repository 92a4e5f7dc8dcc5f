/** Accumulates one ArchiveListing while a walker goes through a container. */
import { classifyMember } from './magic.js';
import {
  MAX_LISTED_BINARIES,
  type ArchiveFormat,
  type ArchiveListing,
  type BinaryKind,
} from './types.js';

/**
 * Who an ELF member is, for provenance through copies: a binary in a build's output that was
 * copied out of this archive (through derivations whose outputs are gone) has the same
 * SHA-256, or at least the same GNU build-id.
 */
export interface MemberIdentity {
  member: string;
  /** hex SHA-256 of the whole member */
  sha256: string;
  buildId: string | null;
}

/** Computes a member's identity from its whole body (the caller knows how to read ELF). */
export type Identify = (member: string, body: Buffer) => MemberIdentity;

/** Error text is shown on one line of a report. */
export const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

export class ListingBuilder {
  readonly listing: ArchiveListing;

  constructor(
    path: string,
    readonly maxMembers: number,
  ) {
    this.listing = {
      path,
      format: 'unknown',
      members: 0,
      binaries: [],
      binaryCount: 0,
      byKind: {},
      capped: null,
      error: null,
    };
  }

  /**
   * When set, walkers that can read a member whole (tar, zip stored/deflate) read every ELF
   * member of at most `identityLimit` bytes and record its identity; otherwise only heads are
   * read, as for a listing.
   */
  identify: Identify | null = null;
  identityLimit = 0;
  readonly identities: MemberIdentity[] = [];

  wantsBody(kind: BinaryKind | null, size: number): boolean {
    return this.identify !== null && (kind === 'elf' || kind === 'shared-object') && size > 0 && size <= this.identityLimit;
  }

  body(member: string, data: Buffer): void {
    if (this.identify) this.identities.push(this.identify(member, data));
  }

  set format(f: ArchiveFormat) {
    this.listing.format = f;
  }

  get format(): ArchiveFormat {
    return this.listing.format;
  }

  /**
   * Counts one more entry. False (and the capped note set) when maxMembers entries were
   * already seen: the walker stops without looking at this one. `where` names the entry
   * (`"bin/tool" (header at offset 1024)`) for that note.
   */
  entry(where?: string): boolean {
    if (this.listing.members >= this.maxMembers) {
      this.cap(
        `maxMembers: stopped after ${this.maxMembers} members` +
          (where ? `; ${where} and every entry after it were not read` : '; the entries after them were not read'),
      );
      return false;
    }
    this.listing.members++;
    return true;
  }

  /** Classifies a file member by its first bytes and records it when it is a binary. */
  file(name: string, head: Uint8Array, size: number): BinaryKind | null {
    const kind = classifyMember(head, name);
    if (kind) this.binary(name, kind, size);
    return kind;
  }

  binary(member: string, kind: BinaryKind, size: number): void {
    const l = this.listing;
    l.binaryCount++;
    l.byKind[kind] = (l.byKind[kind] ?? 0) + 1;
    if (l.binaries.length < MAX_LISTED_BINARIES) l.binaries.push({ member, kind, size });
  }

  cap(note: string): void {
    this.listing.capped ??= oneLine(note);
  }

  /** Keeps the first error: later ones are usually consequences of it. */
  fail(message: string): void {
    this.listing.error ??= oneLine(message);
  }
}
