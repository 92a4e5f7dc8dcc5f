/**
 * ELF numbers we act on, and readable names for the ones we print. Values are from the
 * System V gABI and the GNU extensions (binutils include/elf/common.h).
 */

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

// Program header and section type numbers live next to the parser that uses them (parse.ts).

/** e_phnum value meaning "the real count is in section 0's sh_info" */
export const PN_XNUM = 0xffff;
/** e_shstrndx value meaning "the real index is in section 0's sh_link" */
export const SHN_XINDEX = 0xffff;

export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_STRTAB = 5;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_RUNPATH = 29;
export const DT_FLAGS_1 = 0x6ffffffb;
export const DF_1_PIE = 0x08000000;

export const NT_GNU_BUILD_ID = 3;

/** e_type -> the name readelf prints */
const TYPES: Record<number, string> = { 0: 'NONE', 1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE' };

export const typeName = (t: number): string => TYPES[t] ?? `unknown (0x${t.toString(16)})`;

/** e_machine -> a short readable name (the spelling people search for, not readelf's long text) */
const MACHINES: Record<number, string> = {
  0: 'none',
  1: 'WE32100',
  2: 'SPARC',
  3: 'i386',
  4: 'm68k',
  5: 'm88k',
  6: 'i486',
  7: 'i860',
  8: 'MIPS',
  9: 'S/370',
  10: 'MIPS-RS3-LE',
  15: 'PA-RISC',
  18: 'SPARC32PLUS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S/390',
  23: 'SPU',
  36: 'V800',
  40: 'ARM',
  41: 'Alpha',
  42: 'SuperH',
  43: 'SPARCv9',
  44: 'TriCore',
  45: 'ARC',
  46: 'H8/300',
  47: 'H8/300H',
  50: 'IA-64',
  62: 'x86-64',
  75: 'VAX',
  76: 'CRIS',
  83: 'AVR',
  87: 'V850',
  88: 'M32R',
  89: 'MN10300',
  92: 'OpenRISC',
  93: 'ARCompact',
  94: 'Xtensa',
  105: 'MSP430',
  106: 'Blackfin',
  113: 'Nios II',
  164: 'Hexagon',
  183: 'AArch64',
  188: 'TILEPro',
  189: 'MicroBlaze',
  190: 'CUDA',
  191: 'TILE-Gx',
  195: 'ARCv2',
  224: 'AMDGPU',
  243: 'RISC-V',
  247: 'BPF',
  252: 'C-SKY',
  258: 'LoongArch',
  0x9026: 'Alpha',
};

export const machineName = (m: number): string => MACHINES[m] ?? `unknown (${m})`;
