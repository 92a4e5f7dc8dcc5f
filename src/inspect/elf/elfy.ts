/**
 * The parts of the `elfy` package we use, typed. elfy decodes one ELF header, one program
 * header entry or one section header entry from a Buffer, given the class and byte order
 * it learned from the header. Its `parse()` entry point is not usable here: it wants the
 * whole file in memory, throws on files without section headers (the stage0 seeds have
 * none), and parses neither the dynamic section nor notes. So we hand it small slices we
 * read ourselves: the 52/64-byte ELF header and each table entry on its own. What it gets
 * wrong is patched by the caller (64-bit sh_addralign/sh_entsize are read from the wrong
 * offsets; unknown e_machine / e_type values come back undefined).
 */
import { createRequire } from 'node:module';

export interface ElfyHeader {
  class: string;
  endian: string;
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ElfyProgram {
  /** 'load', 'dynamic', 'interp', 'note', …; undefined for types elfy has no name for */
  type: string | undefined;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfySection {
  /** index into .shstrtab */
  name: number;
  /** 'symtab', 'note', 'nobits', …; the number itself for types elfy has no name for */
  type: string | number;
  addr: number;
  off: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
}

export interface ElfyParser {
  parseHeader(buf: Buffer): ElfyHeader;
  parseProgram(entry: Buffer, header: ElfyHeader, file: Buffer): ElfyProgram;
  parseSection(entry: Buffer, header: ElfyHeader, file: Buffer): ElfySection;
}

interface ElfyModule {
  Parser: new () => ElfyParser;
}

// elfy is CommonJS without type declarations; createRequire keeps the typing local to
// this file instead of declaring an ambient module for the whole project.
const elfy = createRequire(import.meta.url)('elfy') as ElfyModule;

/** A fresh parser: elfy parsers remember the byte order and word size of the last header. */
export const newElfyParser = (): ElfyParser => new elfy.Parser();

/**
 * Passed as the "whole file" to parseProgram/parseSection: they slice the segment or
 * section contents out of it, which we do not want (we read contents by range ourselves).
 */
export const NO_FILE = Buffer.alloc(0);
