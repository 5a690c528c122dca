// A minimal ZIP writer: stored (uncompressed) entries only, which is what Godot's --main-pack
// reads fastest and all the runner needs. No ZIP64: the pack must stay under 4 GiB.
import zlib from 'node:zlib';

// zlib.crc32 exists from Node 20.15 / 22.2; Debian 12's Node 18 lacks it, so keep a table.
let table = null;
function crc32(bytes) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(bytes) >>> 0;
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// entries: [{name: 'dir/file.txt', data: Buffer}] -> Buffer holding the whole archive.
export function makeZip(entries) {
  const DOS_DATE = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, the epoch of ZIP time stamps
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);  // local file header signature
    local.writeUInt16LE(10, 4);  // version needed: 1.0 (stored)
    local.writeUInt16LE(0x0800, 6);  // flags: names are UTF-8
    local.writeUInt16LE(0, 8);  // method: stored
    local.writeUInt16LE(0, 10);  // time
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);  // compressed size
    local.writeUInt32LE(data.length, 22);  // uncompressed size
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);  // extra field length
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);  // central directory header signature
    central.writeUInt16LE(20, 4);  // version made by
    central.writeUInt16LE(10, 6);  // version needed
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra, comment, disk number, internal and external attributes stay 0
    central.writeUInt32LE(offset, 42);  // where the local header starts
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);  // end of central directory signature
  end.writeUInt16LE(entries.length, 8);  // entries on this disk
  end.writeUInt16LE(entries.length, 10);  // entries in all
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);  // where the central directory starts
  if (offset + centralSize > 0xffffffff || entries.length > 0xffff) {
    throw new Error('the main pack is too large for a ZIP without ZIP64');
  }
  return Buffer.concat([...locals, ...centrals, end]);
}

export { crc32 };
