/** Accumulates one ArchiveListing while a walker goes through a container. */
import { classifyMember } from './magic.js';
import {
  MAX_LISTED_BINARIES,
  type ArchiveFormat,
  type ArchiveListing,
  type BinaryKind,
} from './types.js';

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
