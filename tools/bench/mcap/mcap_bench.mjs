// The MCAP side of `reel bench compare` (tools/bench/bench_compare.cpp), on the real library:
// @mcap/core's McapWriter with its default chunking (1 MiB chunks) and indexes (message, chunk,
// statistics, summary offsets), chunks compressed with zstd from @foxglove/wasm-zstd (its default
// level), and McapIndexedReader for reading back.
//
//   node mcap_bench.mjs write OUT.mcap      < records    prints one JSON line of figures
//   node mcap_bench.mjs read FILE.mcap OPTIONS_JSON       prints one JSON line of figures
//   node mcap_bench.mjs verify FILE.mcap                  prints one JSON line (counts, index use)
//
// Records on stdin (written by tools/bench/mcap_feed.cpp; integers little-endian):
//   'C' u32 channel  u16 topic_len topic  u16 schema_len schema  i64 spawn_ns
//   'M' u32 channel  i64 log_time_ns  u32 len  payload      (len 0: the entity despawned)
//   'E'                                                       end of the stream
// The channel id is the writer's: channels are registered in the order they arrive, ids from 0.
//
// One message is one entity's full state (var_to_bytes of a Dictionary property path -> value)
// on the frame anything of it changed, on that entity's own channel; events go to "/events".
// "State at frame N" is what Foxglove does when it seeks (a backfill of the latest message per
// topic): read backwards from N's time, keep the first message seen per entity channel, stop when
// every channel spawned by then has been seen. The bytes are not decoded (no var_to_bytes decoder
// in JS): MCAP's seek figures are a lower bound of a real reader's.
import { open } from "node:fs/promises";
import { McapIndexedReader, McapWriter } from "@mcap/core";
import * as zstd from "@foxglove/wasm-zstd";

const EVENTS_TOPIC = "/events";

class FileWritable {
  constructor(handle) {
    this.handle = handle;
    this.offset = 0n;
  }
  async write(buffer) {
    await this.handle.write(buffer);
    this.offset += BigInt(buffer.byteLength);
  }
  position() {
    return this.offset;
  }
}

class FileReadable {
  constructor(handle) {
    this.handle = handle;
  }
  async size() {
    return BigInt((await this.handle.stat()).size);
  }
  async read(offset, size) {
    const buffer = new Uint8Array(Number(size));
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, Number(offset));
    if (bytesRead !== buffer.length) throw new Error(`short read at ${offset}`);
    return buffer;
  }
}

const decompressHandlers = {
  zstd: (data, size) => zstd.decompress(data, Number(size)),
};

function cpuSeconds() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function report(figures) {
  figures.peak_rss_kb = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify(figures) + "\n");
}

// Parses the record stream from stdin, calling onRecord for each; returns when 'E' arrives.
async function readRecords(onRecord) {
  let pending = Buffer.alloc(0);
  for await (const piece of process.stdin) {
    pending = pending.length ? Buffer.concat([pending, piece]) : piece;
    let at = 0;
    for (;;) {
      const used = await parseOne(pending, at, onRecord);
      if (used === 0) break;
      if (used < 0) return;
      at += used;
    }
    pending = pending.subarray(at);
  }
  throw new Error("the record stream ended without its end record");
}

// Bytes consumed by the record at `at`, 0 when incomplete, -1 at the end record.
async function parseOne(b, at, onRecord) {
  if (at >= b.length) return 0;
  const kind = String.fromCharCode(b[at]);
  if (kind === "E") return -1;
  if (kind === "M") {
    if (b.length - at < 17) return 0;
    const len = b.readUInt32LE(at + 13);
    if (b.length - at < 17 + len) return 0;
    await onRecord({
      kind,
      channel: b.readUInt32LE(at + 1),
      logTime: b.readBigInt64LE(at + 5),
      payload: b.subarray(at + 17, at + 17 + len),
    });
    return 17 + len;
  }
  if (kind === "C") {
    if (b.length - at < 7) return 0;
    const topicLen = b.readUInt16LE(at + 5);
    if (b.length - at < 9 + topicLen) return 0;
    const schemaLen = b.readUInt16LE(at + 7 + topicLen);
    const size = 9 + topicLen + schemaLen + 8;
    if (b.length - at < size) return 0;
    await onRecord({
      kind,
      channel: b.readUInt32LE(at + 1),
      topic: b.toString("utf8", at + 7, at + 7 + topicLen),
      schema: b.toString("utf8", at + 9 + topicLen, at + 9 + topicLen + schemaLen),
      spawnNs: b.readBigInt64LE(at + 9 + topicLen + schemaLen),
    });
    return size;
  }
  throw new Error(`unknown record '${kind}' in the stream`);
}

async function write(path) {
  await zstd.isLoaded;
  const handle = await open(path, "w");
  const writer = new McapWriter({
    writable: new FileWritable(handle),
    compressChunk: (data) => ({ compression: "zstd", compressedData: zstd.compress(data) }),
  });
  const cpuStart = cpuSeconds();
  const wallStart = performance.now();
  await writer.start({ profile: "", library: "reel bench compare (@mcap/core 2.2.2)" });
  const schemas = new Map();
  let messages = 0n;
  let payloadBytes = 0n;
  let sequence = 0;
  await readRecords(async (r) => {
    if (r.kind === "C") {
      if (!schemas.has(r.schema)) {
        schemas.set(
          r.schema,
          await writer.registerSchema({ name: r.schema, encoding: "", data: new Uint8Array() }),
        );
      }
      const id = await writer.registerChannel({
        topic: r.topic,
        schemaId: schemas.get(r.schema),
        messageEncoding: "godot_var_to_bytes",
        metadata: new Map([["spawn_ns", r.spawnNs.toString()]]),
      });
      if (id !== r.channel) throw new Error(`channel ${r.topic}: id ${id}, expected ${r.channel}`);
      return;
    }
    await writer.addMessage({
      channelId: r.channel,
      sequence: sequence++,
      logTime: r.logTime,
      publishTime: r.logTime,
      data: r.payload,
    });
    messages += 1n;
    payloadBytes += BigInt(r.payload.length);
  });
  await writer.end();
  await handle.close();
  report({
    ok: true,
    cpu_seconds: cpuSeconds() - cpuStart,
    wall_seconds: (performance.now() - wallStart) / 1000,
    messages: Number(messages),
    payload_bytes: Number(payloadBytes),
    channels: writer.statistics ? Number(writer.statistics.channelCount) : -1,
  });
}

async function openReader(path) {
  const handle = await open(path, "r");
  const reader = await McapIndexedReader.Initialize({
    readable: new FileReadable(handle),
    decompressHandlers,
  });
  return { reader, close: () => handle.close() };
}

// The entity channels and when each was spawned.
function entityChannels(reader) {
  const channels = [];
  for (const channel of reader.channelsById.values()) {
    if (channel.topic === EVENTS_TOPIC) continue;
    channels.push({ id: channel.id, spawnNs: BigInt(channel.metadata.get("spawn_ns") ?? "0") });
  }
  return channels;
}

// The latest message per entity channel at `timeNs` (Map channel id -> payload; despawned
// entities are dropped). Returns the number of entities alive.
async function stateAt(reader, channels, timeNs) {
  const needed = new Set();
  for (const c of channels) if (c.spawnNs <= timeNs) needed.add(c.id);
  const state = new Map();
  let remaining = needed.size;
  if (remaining === 0) return 0;
  for await (const message of reader.readMessages({ endTime: timeNs, reverse: true })) {
    if (!needed.has(message.channelId) || state.has(message.channelId)) continue;
    state.set(message.channelId, message.data);
    if (--remaining === 0) break;
  }
  let alive = 0;
  for (const data of state.values()) if (data.length > 0) alive++;
  return alive;
}

function summarize(ms) {
  if (ms.length === 0) return { n: 0, p50_ms: 0, p99_ms: 0 };
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { n: sorted.length, p50_ms: at(0.5), p99_ms: at(0.99) };
}

// A deterministic sample of frames (xorshift: the same frames on every run).
function sampleFrames(count, frames, seed) {
  let x = BigInt(seed) | 1n;
  const out = [];
  for (let i = 0; i < count; i++) {
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    out.push(Number(x % BigInt(frames)));
  }
  return out;
}

async function read(path, optionsJson) {
  await zstd.isLoaded;
  const o = JSON.parse(optionsJson);
  const frameNs = (f) => BigInt(Math.round((f * 1e9) / o.tick_rate));
  const budgetMs = o.budget_seconds * 1000;
  const figures = { ok: true };
  const timed = async (list, body) => {
    const start = performance.now();
    await body();
    list.push(performance.now() - start);
  };

  // Recovery of the last state: open the file, then the state of its last frame.
  let recoveryMs = 0;
  {
    const start = performance.now();
    const { reader, close } = await openReader(path);
    await stateAt(reader, entityChannels(reader), frameNs(o.frames - 1));
    recoveryMs = performance.now() - start;
    await close();
  }
  figures.recovery_ms = recoveryMs;

  const frames = sampleFrames(o.samples, o.frames, o.seed);
  const cold = [];
  let start = performance.now();
  for (const f of frames) {
    await timed(cold, async () => {
      const { reader, close } = await openReader(path);
      await stateAt(reader, entityChannels(reader), frameNs(f));
      await close();
    });
    if (performance.now() - start > budgetMs) break;
  }
  const { reader, close } = await openReader(path);
  const channels = entityChannels(reader);
  const warm = [];
  start = performance.now();
  for (const f of frames.slice(0, cold.length).reverse()) {
    await timed(warm, () => stateAt(reader, channels, frameNs(f)));
    if (performance.now() - start > budgetMs) break;
  }
  const back = [];
  const steps = Math.min(o.samples, o.frames - 1);
  let frame = Math.min(o.frames - 1, steps + (frames[0] % Math.max(1, o.frames - steps)));
  start = performance.now();
  for (let i = 0; i < steps && frame > 0; i++) {
    frame -= 1;
    await timed(back, () => stateAt(reader, channels, frameNs(frame)));
    if (performance.now() - start > budgetMs) break;
  }
  figures.seek_cold = summarize(cold);
  figures.seek_warm = summarize(warm);
  figures.step_back = summarize(back);

  // Forward playback: every message in log-time order; a frame is played when its time is done.
  start = performance.now();
  let played = 0;
  let lastTime = -1n;
  for await (const message of reader.readMessages()) {
    if (message.logTime !== lastTime) {
      played++;
      lastTime = message.logTime;
      if ((played & 63) === 0 && performance.now() - start > budgetMs) break;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  figures.forward_frames = played;
  figures.forward_fps = seconds > 0 ? played / seconds : 0;
  await close();
  report(figures);
}

// Reads every message through the index and counts them against the file's statistics.
async function verify(path) {
  await zstd.isLoaded;
  const { reader, close } = await openReader(path);
  let messages = 0;
  let payloadBytes = 0;
  let ordered = true;
  let last = -1n;
  for await (const message of reader.readMessages()) {
    messages++;
    payloadBytes += message.data.length;
    if (message.logTime < last) ordered = false;
    last = message.logTime;
  }
  const compressions = new Set(reader.chunkIndexes.map((c) => c.compression));
  report({
    ok: true,
    messages,
    payload_bytes: payloadBytes,
    statistics_messages: reader.statistics ? Number(reader.statistics.messageCount) : -1,
    channels: reader.channelsById.size,
    chunk_indexes: reader.chunkIndexes.length,
    message_index_entries: reader.chunkIndexes.reduce(
      (n, c) => n + c.messageIndexOffsets.size,
      0,
    ),
    compressions: [...compressions],
    ordered,
  });
  await close();
}

const [mode, path, extra] = process.argv.slice(2);
const modes = { write: () => write(path), read: () => read(path, extra), verify: () => verify(path) };
if (!modes[mode] || !path) {
  process.stderr.write("usage: mcap_bench.mjs write|read|verify FILE [OPTIONS_JSON]\n");
  process.exit(2);
}
modes[mode]().catch((error) => {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error?.message ?? error) }) + "\n");
  process.exit(1);
});
