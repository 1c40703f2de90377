import type { PathwayName } from '../../machines/index.js';
import type { Language } from '../config/app-config.js';

/**
 * Who a case is about: a person's Italian tax code (codice fiscale), or a company's partita IVA or
 * tax code (a sole trader's is their own). Written by hand: the npm libraries bundle the tables of
 * municipalities, which a check of the form and the check character does not need.
 */

/** What each pathway's subject is. */
const SUBJECT_KINDS: Record<PathwayName, 'person' | 'company'> = { person: 'person', employer: 'company' };

/** What is wrong with a subject, in both languages; null when it is valid. */
export type SubjectProblem = Record<Language, string> | null;

/** The form subjects are stored and searched in: no spaces, upper case. */
export const normaliseSubject = (subject: string): string => subject.replace(/\s+/g, '').toUpperCase();

const LETTER = /^[A-Z]$/;
const DIGIT = /^[0-9]$/;
/** Months of birth: January to December. */
const MONTHS = 'ABCDEHLMPRST';
/** Omocodia: a digit replaced by the letter of the same index, when two persons would share a code. */
const OMOCODIA = 'LMNPQRSTUV';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** The value of a character in an odd position (1st, 3rd, ...): a digit counts as the letter of the same index. */
const ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/** What a position of a tax code holds, as the error names it (1-based positions in messages). */
function expected(position: number): { test: (c: string) => boolean; it: string; en: string } {
  if (position < 6 || position === 11 || position === 15) return { test: (c) => LETTER.test(c), it: 'una lettera', en: 'a letter' };
  if (position === 8) return { test: (c) => LETTER.test(c), it: 'la lettera del mese', en: 'the letter of the month' };
  // The birth year, day and municipality digits (positions 7-8, 10-11, 13-15), which omocodia may replace.
  return {
    test: (c) => DIGIT.test(c) || OMOCODIA.includes(c),
    it: 'una cifra (o la sua lettera di omocodia)',
    en: 'a digit (or its omocodia letter)',
  };
}

const valueOf = (c: string): number => (DIGIT.test(c) ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 65);
const digitOf = (c: string): number => (DIGIT.test(c) ? Number(c) : OMOCODIA.indexOf(c));

/** The check character of a tax code's first 15 characters, as written (omocodia letters included). */
function taxCodeCheck(code: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) sum += i % 2 === 0 ? ODD[valueOf(code[i])] : valueOf(code[i]);
  return LETTERS[sum % 26];
}

/** A tax code's problem (the code already normalised), or null. */
export function taxCodeProblem(code: string): SubjectProblem {
  if (code.length !== 16)
    return {
      it: `un codice fiscale ha 16 caratteri, questo ne ha ${code.length}`,
      en: `a tax code has 16 characters, this one has ${code.length}`,
    };
  for (let i = 0; i < 16; i++) {
    const want = expected(i);
    if (!want.test(code[i]))
      return {
        it: `il carattere ${i + 1} di un codice fiscale è ${want.it}`,
        en: `character ${i + 1} of a tax code is ${want.en}`,
      };
  }
  if (!MONTHS.includes(code[8]))
    return {
      it: `la lettera del mese (carattere 9) è una tra ${MONTHS}`,
      en: `the letter of the month (character 9) is one of ${MONTHS}`,
    };
  const day = digitOf(code[9]) * 10 + digitOf(code[10]);
  if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71)))
    return {
      it: 'il giorno di nascita (caratteri 10-11) va da 01 a 31, o da 41 a 71 per le donne',
      en: 'the day of birth (characters 10-11) is 01 to 31, or 41 to 71 for women',
    };
  // The expected character is not echoed: it would help forge codes.
  if (taxCodeCheck(code) !== code[15]) return { it: 'il carattere di controllo non corrisponde', en: 'the check character does not match' };
  return null;
}

/** A partita IVA's problem, or null: 11 digits, the last one a check digit (Luhn's). */
export function vatNumberProblem(code: string): SubjectProblem {
  if (!/^[0-9]{11}$/.test(code)) return { it: 'una partita IVA è fatta di 11 cifre', en: 'a partita IVA is 11 digits' };
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const d = Number(code[i]);
    sum += i % 2 === 0 ? d : d * 2 > 9 ? d * 2 - 9 : d * 2;
  }
  if ((10 - (sum % 10)) % 10 !== Number(code[10]))
    return { it: 'la cifra di controllo non corrisponde', en: 'the check digit does not match' };
  return null;
}

/** A company's subject: a partita IVA (11 digits) or a tax code (16 characters, a sole trader's). */
export function companySubjectProblem(code: string): SubjectProblem {
  if (code.length === 11) return vatNumberProblem(code);
  if (code.length === 16) return taxCodeProblem(code);
  return {
    it: `una partita IVA ha 11 cifre, un codice fiscale 16 caratteri: questo ne ha ${code.length}`,
    en: `a partita IVA has 11 digits, a tax code 16 characters: this one has ${code.length}`,
  };
}

/** What is wrong with a (normalised) subject for a case of this pathway, or null. */
export const subjectProblem = (pathway: PathwayName, subject: string): SubjectProblem =>
  SUBJECT_KINDS[pathway] === 'person' ? taxCodeProblem(subject) : companySubjectProblem(subject);
