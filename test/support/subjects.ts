import { randomInt } from 'node:crypto';
import fc from 'fast-check';

/**
 * Subjects for tests: valid Italian tax codes (codice fiscale) for persons and partite IVA for
 * companies, different on every call, so that no two cases of a test run share a subject by chance
 * (a second open case of the same pathway for the same subject is refused).
 */

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const MONTHS = 'ABCDEHLMPRST';
/** The value of a character in an odd position (1st, 3rd, ...) of a tax code: digits as the letter of the same index. */
const ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

const indexOf = (c: string): number => (c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 65);

/** The check character of the first 15 characters of a tax code. */
export function taxCodeCheck(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) sum += i % 2 === 0 ? ODD[indexOf(first15[i])] : indexOf(first15[i]);
  return LETTERS[sum % 26];
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

let counter = 0;

/** A valid tax code never returned before in this process (random name letters, birth date and municipality). */
export function taxCode(): string {
  counter += 1;
  let name = '';
  for (let i = 0; i < 6; i++) name += LETTERS[randomInt(26)];
  const year = pad(randomInt(100), 2);
  const month = MONTHS[randomInt(12)];
  const day = pad(randomInt(1, 29) + (randomInt(2) === 1 ? 40 : 0), 2);
  // The municipality code carries the counter, so codes differ even if the random parts collide.
  const place = `${LETTERS[counter % 26]}${pad(Math.floor(counter / 26) % 1000, 3)}`;
  const first15 = `${name}${year}${month}${day}${place}`;
  return first15 + taxCodeCheck(first15);
}

/** The check digit of the first 10 digits of a partita IVA. */
export function vatNumberCheck(first10: string): string {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const d = Number(first10[i]);
    if (i % 2 === 0) sum += d;
    else sum += d * 2 > 9 ? d * 2 - 9 : d * 2;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A valid partita IVA never returned before in this process. */
export function vatNumber(): string {
  counter += 1;
  // 7 digits of company number (counter and random), then a province office code (001-100).
  const company = pad((counter * 7919 + randomInt(1000)) % 10_000_000, 7);
  const first10 = `${company}${pad(randomInt(1, 101), 3)}`;
  return first10 + vatNumberCheck(first10);
}

/** A subject for a case of this pathway: a tax code for a person, a partita IVA for a company. */
export const subjectFor = (pathway: string): string => (pathway === 'employer' ? vatNumber() : taxCode());

/** Valid tax codes for property tests (fast-check shrinks and replays them from its seed, unlike taxCode()). */
export const aTaxCode: fc.Arbitrary<string> = fc
  .tuple(
    fc.stringMatching(/^[A-Z]{6}$/),
    fc.integer({ min: 0, max: 99 }),
    fc.constantFrom(...MONTHS),
    fc.integer({ min: 1, max: 31 }),
    fc.boolean(),
    fc.stringMatching(/^[A-Z][0-9]{3}$/),
  )
  .map(([name, year, month, day, woman, place]) => {
    const first15 = `${name}${pad(year, 2)}${month}${pad(day + (woman ? 40 : 0), 2)}${place}`;
    return first15 + taxCodeCheck(first15);
  });

/** Valid partite IVA for property tests. */
export const aVatNumber: fc.Arbitrary<string> = fc.stringMatching(/^[0-9]{10}$/).map((first10) => first10 + vatNumberCheck(first10));

const TAX_CODE_FORM = /^[A-Z]{6}[0-9L-NP-V]{2}[ABCDEHLMPRST][0-9L-NP-V]{2}[A-Z][0-9L-NP-V]{3}[A-Z]$/;
const asDigit = (c: string) => ('0123456789'.includes(c) ? Number(c) : 'LMNPQRSTUV'.indexOf(c));

/**
 * The tests' own oracle, written apart from the service's validator: whether a subject (as sent:
 * spaces and letter case do not matter) is valid for a case of the pathway.
 */
export function isValidSubject(pathway: string, sent: string): boolean {
  const s = sent.replace(/\s+/g, '').toUpperCase();
  const day = asDigit(s[9]) * 10 + asDigit(s[10]);
  const taxCodeOk = TAX_CODE_FORM.test(s) && ((day >= 1 && day <= 31) || (day >= 41 && day <= 71)) && taxCodeCheck(s) === s[15];
  const vatOk = /^[0-9]{11}$/.test(s) && vatNumberCheck(s) === s[10];
  return pathway === 'employer' ? taxCodeOk || vatOk : taxCodeOk;
}
