/** The Teams app package's zip: fflate, with a fixed timestamp so the same files give the same bytes. */
import { type Zippable, zipSync } from 'fflate';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/** 2024-01-01 00:00 (local time, which is what a zip's MS-DOS timestamp records). */
const FIXED_MTIME = new Date(2024, 0, 1);

/**
 * A zip of `entries`, in order, at the root of the archive. PNGs are stored as they are (deflating
 * compressed images gains nothing); everything else is deflated.
 */
export function writeZip(entries: ZipEntry[]): Buffer {
  const files: Zippable = {};
  for (const e of entries) files[e.name] = [e.data, { level: /\.png$/i.test(e.name) ? 0 : 9 }];
  return Buffer.from(zipSync(files, { mtime: FIXED_MTIME }));
}
