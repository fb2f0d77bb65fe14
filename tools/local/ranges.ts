import { type EdgeResponse, cloneHeaders, getHeader, setHeader } from './http-types';

/**
 * The bytes a single-range `Range: bytes=...` asks for in an object of `size` bytes: `[start, end]`
 * (inclusive), 'unsatisfiable' when it lies outside, undefined for several ranges or a malformed one.
 */
export function byteRange(range: string, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start >= size || start > end ? 'unsatisfiable' : [start, end];
}

/**
 * A range answered from a stored 206 that holds all of it ("If the cache in that edge location
 * already contains the entire object or the requested portion of the object, CloudFront immediately
 * serves the requested range from the cache"); undefined when the stored part does not cover it.
 */
export function fromStoredPartial(stored: EdgeResponse, range: string): EdgeResponse | undefined {
  if (stored.status !== 206) return undefined;
  const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(getHeader(stored.headers, 'content-range') ?? '');
  if (!cr) return undefined;
  const [first, last, size] = [Number(cr[1]), Number(cr[2]), Number(cr[3])];
  if (stored.body.length !== last - first + 1) return undefined;
  const wanted = byteRange(range, size);
  if (!Array.isArray(wanted) || wanted[0] < first || wanted[1] > last) return undefined;
  const headers = cloneHeaders(stored.headers);
  setHeader(headers, 'Content-Range', `bytes ${wanted[0]}-${wanted[1]}/${size}`);
  return { ...stored, headers, body: stored.body.subarray(wanted[0] - first, wanted[1] - first + 1) };
}
