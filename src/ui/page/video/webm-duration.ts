// The real duration of a WebM, read from its frames' timestamps, and a copy of the file with
// that duration written into its header. MediaRecorder writes WebM live: no Duration in the
// segment info, segment and clusters of unknown size, so a browser reports the recording's
// duration as Infinity and a player cannot show or seek its timeline. Only the EBML needed for
// that is parsed here: the segment info, track types, clusters and their (simple) blocks.

const ID = {
  segment: 0x18538067,
  info: 0x1549a966,
  timestampScale: 0x2ad7b1,
  duration: 0x4489,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackType: 0x83,
  cluster: 0x1f43b675,
  clusterTimestamp: 0xe7,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
  blockDuration: 0x9b,
  seekHead: 0x114d9b74,
  cues: 0x1c53bb6b,
} as const;

/** Children a cluster may hold; any other ID ends a cluster of unknown size. */
const CLUSTER_CHILDREN = new Set([ID.clusterTimestamp, ID.simpleBlock, ID.blockGroup, 0xa7, 0xab, 0xa8, 0xaf]);
const TRACK_VIDEO = 1;

interface Element {
  id: number;
  /** Offset of the element's ID, of its data, and the end of its data (the buffer's end when the size is unknown). */
  start: number;
  dataStart: number;
  end: number;
  unknownSize: boolean;
  /** Offset and byte length of the size field. */
  sizeAt: number;
  sizeLen: number;
}

function vintLength(first: number, at: number): number {
  for (let len = 1; len <= 8; len++) if (first & (0x80 >> (len - 1))) return len;
  throw new Error(`WebM: invalid EBML number at byte ${at}`);
}

function readElement(b: Uint8Array, at: number, limit: number): Element {
  if (at >= limit) throw new Error(`WebM: truncated at byte ${at}`);
  const idLen = vintLength(b[at], at);
  if (idLen > 4 || at + idLen > limit) throw new Error(`WebM: bad element ID at byte ${at}`);
  let id = 0;
  for (let i = 0; i < idLen; i++) id = id * 256 + b[at + i];
  const sizeAt = at + idLen;
  if (sizeAt >= limit) throw new Error(`WebM: truncated at byte ${sizeAt}`);
  const sizeLen = vintLength(b[sizeAt], sizeAt);
  if (sizeAt + sizeLen > limit) throw new Error(`WebM: truncated at byte ${sizeAt}`);
  let size = b[sizeAt] & (0xff >> sizeLen);
  let allOnes = size === 0xff >> sizeLen;
  for (let i = 1; i < sizeLen; i++) {
    size = size * 256 + b[sizeAt + i];
    allOnes &&= b[sizeAt + i] === 0xff;
  }
  const dataStart = sizeAt + sizeLen;
  return { id, start: at, dataStart, end: allOnes ? limit : Math.min(limit, dataStart + size), unknownSize: allOnes, sizeAt, sizeLen };
}

function readUint(b: Uint8Array, e: Element): number {
  let v = 0;
  for (let i = e.dataStart; i < e.end; i++) v = v * 256 + b[i];
  return v;
}

function readFloat(b: Uint8Array, e: Element): number {
  const view = new DataView(b.buffer, b.byteOffset + e.dataStart, e.end - e.dataStart);
  return e.end - e.dataStart === 4 ? view.getFloat32(0) : view.getFloat64(0);
}

/** The children of `parent`, in order. A child of unknown size (a live cluster) ends where the
 * next element that cannot be its child begins. */
function children(b: Uint8Array, parent: { dataStart: number; end: number }): Element[] {
  const out: Element[] = [];
  let at = parent.dataStart;
  while (at < parent.end) {
    const e = readElement(b, at, parent.end);
    if (e.unknownSize && e.id === ID.cluster) {
      let p = e.dataStart;
      while (p < parent.end) {
        const c = readElement(b, p, parent.end);
        if (!CLUSTER_CHILDREN.has(c.id)) break;
        p = c.end;
      }
      e.end = p;
    }
    out.push(e);
    at = e.end;
  }
  return out;
}

export interface WebmTiming {
  /** Video frames (blocks of video tracks) in the file. */
  frames: number;
  /** Timestamps of the first and the last video frame, ms. */
  firstMs: number;
  lastMs: number;
  /** Median interval between consecutive frames, ms (0 with a single frame). */
  frameMs: number;
  /** From the first frame's start to the end of the last frame (last - first + one frame interval, or the last block's own duration). */
  durationMs: number;
  /** The Duration the header declares, ms, or null (MediaRecorder's files have none). */
  declaredMs: number | null;
}

interface Parsed {
  segment: Element;
  info: Element;
  scaleNs: number;
  declaredMs: number | null;
  videoTracks: Set<number>;
  topLevel: Element[];
  blocks: Array<{ ms: number; durationMs: number | null }>;
}

function parse(bytes: Uint8Array): Parsed {
  const top = children(bytes, { dataStart: 0, end: bytes.length });
  const segment = top.find((e) => e.id === ID.segment);
  if (!top.length || top[0].id !== 0x1a45dfa3 || !segment) throw new Error('WebM: not a WebM/Matroska file (no EBML header and segment)');
  const level1 = children(bytes, segment);
  const info = level1.find((e) => e.id === ID.info);
  if (!info) throw new Error('WebM: no segment info');
  const infoKids = children(bytes, info);
  const scaleEl = infoKids.find((e) => e.id === ID.timestampScale);
  const scaleNs = scaleEl ? readUint(bytes, scaleEl) : 1_000_000;
  const durEl = infoKids.find((e) => e.id === ID.duration);
  const declaredMs = durEl ? (readFloat(bytes, durEl) * scaleNs) / 1e6 : null;

  const videoTracks = new Set<number>();
  for (const tracks of level1.filter((e) => e.id === ID.tracks)) {
    for (const entry of children(bytes, tracks).filter((e) => e.id === ID.trackEntry)) {
      const kids = children(bytes, entry);
      const num = kids.find((e) => e.id === ID.trackNumber);
      const type = kids.find((e) => e.id === ID.trackType);
      if (num && type && readUint(bytes, type) === TRACK_VIDEO) videoTracks.add(readUint(bytes, num));
    }
  }

  const blocks: Parsed['blocks'] = [];
  for (const cluster of level1.filter((e) => e.id === ID.cluster)) {
    const kids = children(bytes, cluster);
    const tsEl = kids.find((e) => e.id === ID.clusterTimestamp);
    if (!tsEl) throw new Error(`WebM: cluster at byte ${cluster.start} has no timestamp`);
    const clusterTs = readUint(bytes, tsEl);
    for (const k of kids) {
      let block: Element | undefined;
      let dur: number | null = null;
      if (k.id === ID.simpleBlock) block = k;
      else if (k.id === ID.blockGroup) {
        const g = children(bytes, k);
        block = g.find((e) => e.id === ID.block);
        const d = g.find((e) => e.id === ID.blockDuration);
        if (d) dur = readUint(bytes, d);
      }
      if (!block) continue;
      // Block: track number (EBML number), signed 16-bit timestamp relative to the cluster, flags.
      const trackLen = vintLength(bytes[block.dataStart], block.dataStart);
      let track = bytes[block.dataStart] & (0xff >> trackLen);
      for (let i = 1; i < trackLen; i++) track = track * 256 + bytes[block.dataStart + i];
      const relAt = block.dataStart + trackLen;
      if (relAt + 2 > block.end) throw new Error(`WebM: truncated block at byte ${block.start}`);
      const rel = ((bytes[relAt] << 24) >> 16) | bytes[relAt + 1];
      if (videoTracks.size && !videoTracks.has(track)) continue;
      blocks.push({ ms: ((clusterTs + rel) * scaleNs) / 1e6, durationMs: dur === null ? null : (dur * scaleNs) / 1e6 });
    }
  }
  return { segment, info, scaleNs, declaredMs, videoTracks, topLevel: level1, blocks };
}

/** Frame timestamps and the real duration of a WebM (throws one line on a file it cannot read). */
export function webmTiming(bytes: Uint8Array): WebmTiming {
  const { blocks, declaredMs } = parse(bytes);
  if (!blocks.length) throw new Error('WebM: no video frames');
  const times = blocks.map((b) => b.ms).sort((a, b) => a - b);
  const gaps = times
    .slice(1)
    .map((t, i) => t - times[i])
    .sort((a, b) => a - b);
  const frameMs = gaps.length ? gaps[gaps.length >> 1] : 0;
  const last = blocks.reduce((a, b) => (b.ms >= a.ms ? b : a));
  const durationMs = times[times.length - 1] - times[0] + (last.durationMs ?? frameMs);
  return { frames: blocks.length, firstMs: times[0], lastMs: times[times.length - 1], frameMs, durationMs, declaredMs };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** Big-endian EBML size field of exactly `len` bytes. */
function sizeField(size: number, len: number): Uint8Array {
  if (size >= 2 ** (7 * len) - 1) throw new Error(`WebM: size ${size} does not fit ${len} bytes`);
  const out = new Uint8Array(len);
  let v = size;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] |= 0x80 >> (len - 1);
  return out;
}

/**
 * A copy of a MediaRecorder WebM with `durationMs` written into its segment info (replacing a
 * Duration already there), so players show the timeline and can seek. Only files without a
 * seek index or cues (what MediaRecorder writes) are rewritten: inserting bytes would move the
 * clusters those point at.
 */
export function withWebmDuration(bytes: Uint8Array, durationMs: number): Uint8Array {
  if (!(durationMs >= 0 && Number.isFinite(durationMs))) throw new Error(`WebM: duration ${durationMs} ms`);
  const p = parse(bytes);
  if (p.topLevel.some((e) => e.id === ID.seekHead || e.id === ID.cues)) throw new Error('WebM: has a seek index or cues; not rewriting it');
  const infoKids = children(bytes, p.info).filter((e) => e.id !== ID.duration);
  const durEl = new Uint8Array(11);
  durEl.set([0x44, 0x89, 0x88]);
  new DataView(durEl.buffer).setFloat64(3, (durationMs * 1e6) / p.scaleNs);
  const body: Uint8Array[] = infoKids.map((e) => bytes.subarray(e.start, e.end));
  body.push(durEl);
  const bodyLen = body.reduce((s, x) => s + x.length, 0);
  const infoSize = sizeField(bodyLen, Math.max(p.info.sizeLen, bodyLen < 127 ? 1 : bodyLen < 16383 ? 2 : 4));
  const newInfo = concat([bytes.subarray(p.info.start, p.info.sizeAt), infoSize, ...body]);
  const delta = newInfo.length - (p.info.end - p.info.start);
  const out = concat([bytes.subarray(0, p.info.start), newInfo, bytes.subarray(p.info.end)]);
  if (!p.segment.unknownSize) {
    out.set(sizeField(p.segment.end - p.segment.dataStart + delta, p.segment.sizeLen), p.segment.sizeAt);
  }
  return out;
}
