import { describe, expect, it } from '@jest/globals';
import { companySubjectProblem, normaliseSubject, subjectProblem, taxCodeProblem, vatNumberProblem } from '../../src/cases/subject.js';
import fc from 'fast-check';
import { aTaxCode, aVatNumber, isValidSubject, taxCode, taxCodeCheck, vatNumber, vatNumberCheck } from '../support/subjects.js';

/** The same code with its check character computed again (by the test's own implementation). */
const rechecked = (first15: string) => first15 + taxCodeCheck(first15);
/** Omocodia: the digit at 0-based position `at` replaced by its letter (0-9 -> LMNPQRSTUV). */
const omocode = (code: string, at: number) => rechecked(code.slice(0, at) + 'LMNPQRSTUV'[Number(code[at])] + code.slice(at + 1, 15));

const CHECK = { it: 'il carattere di controllo non corrisponde', en: 'the check character does not match' };

describe('tax codes (codice fiscale)', () => {
  const valid = 'RSSMRA80A01H501U';

  it.each([
    ['a man born on 1 January 1980 in Rome', valid],
    ['a woman (day + 40)', rechecked('BNCLRA85T52F205')],
    ['the last day for a woman', rechecked('BNCLRA85T71F205')],
    ['omocodia in the municipality', omocode(valid, 14)],
    ['omocodia in the municipality and the day', omocode(omocode(valid, 14), 10)],
    ['omocodia in every digit', [14, 13, 12, 10, 9, 7, 6].reduce(omocode, valid)],
  ])('accepts %s: %s', (_label, code) => {
    expect(taxCodeProblem(code)).toBeNull();
    expect(subjectProblem('person', code)).toBeNull();
  });

  it('accepts every code the tests generate', () => {
    const problems = Array.from({ length: 500 }, taxCode).filter((code) => taxCodeProblem(code) !== null);
    expect(problems).toEqual([]);
  });

  it.each([
    ['a wrong check character', 'RSSMRA80A01H501V', CHECK.en],
    ['an omocodia letter with the check of the digit', `${valid.slice(0, 14)}M${valid[15]}`, CHECK.en],
    ['too short', 'RSSMRA80A01H501', 'a tax code has 16 characters, this one has 15'],
    ['too long', `${valid}X`, 'a tax code has 16 characters, this one has 17'],
    ['a digit in the surname', rechecked('R5SMRA80A01H501'), 'character 2 of a tax code is a letter'],
    [
      'a letter in the year that is not an omocodia letter',
      rechecked('RSSMRA8AA01H501'),
      'character 8 of a tax code is a digit (or its omocodia letter)',
    ],
    ['a month letter that is no month', rechecked('RSSMRA80F01H501'), 'the letter of the month (character 9) is one of ABCDEHLMPRST'],
    ['day 00', rechecked('RSSMRA80A00H501'), 'the day of birth (characters 10-11) is 01 to 31, or 41 to 71 for women'],
    ['day 32', rechecked('RSSMRA80A32H501'), 'the day of birth (characters 10-11) is 01 to 31, or 41 to 71 for women'],
    ['day 72', rechecked('RSSMRA80A72H501'), 'the day of birth (characters 10-11) is 01 to 31, or 41 to 71 for women'],
    ['a digit in the municipality letter', rechecked('RSSMRA80A019501'), 'character 12 of a tax code is a letter'],
    ['a digit as the check character', `${valid.slice(0, 15)}7`, 'character 16 of a tax code is a letter'],
    ['lower case (not normalised)', valid.toLowerCase(), 'character 1 of a tax code is a letter'],
  ])('refuses %s: %s', (_label, code, message) => {
    expect(taxCodeProblem(code)?.en).toBe(message);
    expect(taxCodeProblem(code)?.it).toEqual(expect.any(String));
  });

  it('says the check character does not match without telling which one it should be', () => {
    const wrong = `${valid.slice(0, 15)}A`;
    expect(taxCodeProblem(wrong)).toEqual(CHECK);
    expect(JSON.stringify(taxCodeProblem(wrong))).not.toContain(valid[15]);
  });

  it('normalises spaces and letter case before validation', () => {
    expect(normaliseSubject('  rssmra 80a01\th501u ')).toBe(valid);
    expect(taxCodeProblem(normaliseSubject('rssmra 80a01 h501u'))).toBeNull();
  });
});

describe('partite IVA and companies', () => {
  it.each(['12345678903', '00743110157', 'RSSMRA80A01H501U'])('accepts %s as a company', (code) => {
    expect(companySubjectProblem(code)).toBeNull();
    expect(subjectProblem('employer', code)).toBeNull();
  });

  it('accepts every partita IVA the tests generate', () => {
    const problems = Array.from({ length: 500 }, vatNumber).filter((code) => vatNumberProblem(code) !== null);
    expect(problems).toEqual([]);
  });

  it.each([
    ['a wrong check digit', `1234567890${(Number(vatNumberCheck('1234567890')) + 1) % 10}`, 'the check digit does not match'],
    ['a letter', '1234567890A', 'a partita IVA is 11 digits'],
    ['the country prefix', 'IT12345678903', 'a partita IVA has 11 digits, a tax code 16 characters: this one has 13'],
    ['a sole trader with a wrong check character', 'RSSMRA80A01H501V', 'the check character does not match'],
  ])('refuses %s: %s', (_label, code, message) => {
    expect(companySubjectProblem(code)?.en).toBe(message);
  });

  it('refuses a partita IVA as a person', () => {
    expect(subjectProblem('person', '12345678903')?.en).toBe('a tax code has 16 characters, this one has 11');
  });
});

describe('the validator and the tests’ own oracle', () => {
  it('agree on valid codes and on codes with one character changed', () => {
    const characters = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
    fc.assert(
      fc.property(
        fc.oneof(aTaxCode, aVatNumber),
        fc.nat(15),
        fc.constantFrom(...characters),
        fc.constantFrom('person' as const, 'employer' as const),
        (code, at, c, pathway) => {
          for (const sent of [code, code.slice(0, at) + c + code.slice(at + 1)])
            expect([sent, subjectProblem(pathway, sent) === null]).toEqual([sent, isValidSubject(pathway, sent)]);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
