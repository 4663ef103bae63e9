/**
 * A small zip reader for tests (a VSIX is a zip): the central directory, and
 * each entry's bytes, checked against its CRC-32. Node's fs and zlib only.
 * Enough for what vsce (yazl) writes: stored or deflated entries, no zip64,
 * no encryption.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Unix mode from the external attributes (0 when the archiver set none). */
  mode: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipFile {
  readonly entries: ZipEntry[] = [];

  constructor(readonly data: Buffer) {
    // The end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB, at the end.
    let eocd = -1;
    for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
      if (data.readUInt32LE(i) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error('not a zip file: no end-of-central-directory record');
    const count = data.readUInt16LE(eocd + 10);
    const cdSize = data.readUInt32LE(eocd + 12);
    const cdOffset = data.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw new Error('zip64 archives are not supported');
    if (cdOffset + cdSize > eocd) throw new Error('central directory overlaps its end record');
    let off = cdOffset;
    for (let i = 0; i < count; i++) {
      if (data.readUInt32LE(off) !== CENTRAL) throw new Error(`bad central directory entry ${i} at ${off}`);
      const flags = data.readUInt16LE(off + 8);
      const nameLength = data.readUInt16LE(off + 28);
      const extraLength = data.readUInt16LE(off + 30);
      const commentLength = data.readUInt16LE(off + 32);
      if (flags & 1) throw new Error('encrypted entries are not supported');
      this.entries.push({
        method: data.readUInt16LE(off + 10),
        crc: data.readUInt32LE(off + 16),
        compressedSize: data.readUInt32LE(off + 20),
        size: data.readUInt32LE(off + 24),
        mode: data.readUInt32LE(off + 38) >>> 16,
        localHeaderOffset: data.readUInt32LE(off + 42),
        name: data.toString(flags & 0x800 ? 'utf8' : 'latin1', off + 46, off + 46 + nameLength),
      });
      off += 46 + nameLength + extraLength + commentLength;
    }
    if (off !== cdOffset + cdSize) throw new Error('central directory size does not match its entries');
  }

  get names(): string[] {
    return this.entries.map((e) => e.name);
  }

  entry(name: string): ZipEntry {
    const e = this.entries.find((x) => x.name === name);
    if (!e) throw new Error(`no ${name} in the archive`);
    return e;
  }

  /** The entry's bytes, inflated and checked against its size and CRC-32. */
  read(name: string | ZipEntry): Buffer {
    const e = typeof name === 'string' ? this.entry(name) : name;
    const at = e.localHeaderOffset;
    if (this.data.readUInt32LE(at) !== LOCAL) throw new Error(`bad local header for ${e.name}`);
    const start = at + 30 + this.data.readUInt16LE(at + 26) + this.data.readUInt16LE(at + 28);
    const raw = this.data.subarray(start, start + e.compressedSize);
    let bytes: Buffer;
    if (e.method === 0) bytes = Buffer.from(raw);
    else if (e.method === 8) bytes = inflateRawSync(raw);
    else throw new Error(`${e.name}: compression method ${e.method} is not supported`);
    if (bytes.length !== e.size) throw new Error(`${e.name}: ${bytes.length} bytes, the directory says ${e.size}`);
    if (crc32(bytes) !== e.crc) throw new Error(`${e.name}: CRC-32 mismatch`);
    return bytes;
  }

  /** Writes every file entry under `dir` (refusing names that would escape it), keeping Unix modes. */
  extractTo(dir: string): void {
    for (const e of this.entries) {
      if (e.name.endsWith('/')) continue;
      const rel = normalize(e.name);
      if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) throw new Error(`unsafe entry name ${e.name}`);
      const file = join(dir, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, this.read(e));
      if (e.mode & 0o777) chmodSync(file, e.mode & 0o777);
    }
  }
}
