/**
 * HTTP-date parsing as RFC 9110 section 5.6.7 defines it: IMF-fixdate (preferred), the obsolete
 * RFC 850 and asctime formats, nothing else. `Date.parse` accepts far more (`UTC` zones, missing
 * commas, dashes, extra spaces), which would make an invalid `Expires` a valid date; RFC 9111
 * section 5.3 says an invalid one means "already expired". The Developer Guide asks for the RFC 2616
 * "Full Date" format, the same three forms.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = DAYS.join('|');
const MONTH = MONTHS.join('|');

const IMF_FIXDATE = new RegExp(`^(${DAY}), (\\d{2}) (${MONTH}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
const RFC850 = new RegExp(`^(${LONG_DAYS.join('|')}), (\\d{2})-(${MONTH})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
const ASCTIME = new RegExp(`^(${DAY}) (${MONTH}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})$`);

function build(year: number, month: string, day: number, h: string, m: string, s: string): number | undefined {
  const [hh, mm, ss] = [Number(h), Number(m), Number(s)];
  // A leap second (60) is allowed by the grammar; anything beyond is not a time.
  if (hh > 23 || mm > 59 || ss > 60 || day < 1 || day > 31) return undefined;
  const t = Date.UTC(year, MONTHS.indexOf(month), day, hh, mm, Math.min(ss, 59));
  // Date.UTC rolls 31 Feb over into March: such a date is not valid.
  return new Date(t).getUTCDate() === day ? t : undefined;
}

/**
 * Milliseconds since the epoch of an HTTP-date, or undefined when the value is not one.
 * @param nowMs for RFC 850's two-digit years: a year that would lie more than 50 years in the future
 * is the most recent past year with those two digits (RFC 9110 section 5.6.7).
 */
export function parseHttpDate(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  let m = IMF_FIXDATE.exec(value);
  if (m) return build(Number(m[4]), m[3], Number(m[2]), m[5], m[6], m[7]);
  m = RFC850.exec(value);
  if (m) {
    const yy = Number(m[4]);
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + yy;
    if (year > nowYear + 50) year -= 100;
    return build(year, m[3], Number(m[2]), m[5], m[6], m[7]);
  }
  m = ASCTIME.exec(value);
  if (m) return build(Number(m[7]), m[2], Number(m[3].trim()), m[4], m[5], m[6]);
  return undefined;
}
