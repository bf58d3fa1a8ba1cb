import { z } from 'zod';
import { ValidationError } from './errors.js';
import { nulCharacterPaths, parseOrThrow } from './zod-validation.js';

describe('parseOrThrow', () => {
  const schema = z.object({ name: z.string(), tags: z.array(z.string()).optional(), extra: z.record(z.string(), z.unknown()).optional() });

  // Found by the HTTP fuzz run (npm run fuzz:http): PostgreSQL text cannot hold U+0000, so `?q=%00` reached the
  // database and failed there as a 500.
  it('should refuse a NUL character anywhere in the input, naming the field', () => {
    for (const [value, path] of [
      [{ name: 'a\u0000b' }, 'name'],
      [{ name: 'ok', tags: ['x', '\u0000'] }, 'tags.1'],
      [{ name: 'ok', extra: { deep: { deeper: '\u0000' } } }, 'extra.deep.deeper'],
      [{ name: 'ok', extra: { 'k\u0000': 1 } }, 'extra.k\\u0000'],
      ['\u0000', '(root)'],
    ] as const) {
      let error: unknown;
      try {
        parseOrThrow(schema, value, 'body');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fieldErrors).toEqual([{ path, code: 'NUL_CHARACTER', message: 'must not contain the NUL character (U+0000)' }]);
    }
    expect(parseOrThrow(schema, { name: 'fine 蒙B12345 💥' })).toEqual({ name: 'fine 蒙B12345 💥' });
  });

  it('should walk a deeply nested body without overflowing the stack', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nulCharacterPaths(deep)).toHaveLength(1);
    expect(() => parseOrThrow(z.object({ a: z.string() }), { a: 'x', b: deep })).toThrow(ValidationError);
  });
});
