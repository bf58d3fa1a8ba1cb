import { photoProblem } from './check-photos.service.js';

const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const WEBP_HEADER = Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBP', 'latin1')]);
const more = (head: Buffer, n = 16) => Buffer.concat([head, Buffer.alloc(n, 7)]);

describe('photoProblem', () => {
  it.each([
    ['image/jpeg', more(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))],
    ['image/png', more(PNG_SIGNATURE)],
    ['image/webp', more(WEBP_HEADER)],
  ])('should accept %s whose bytes are that image type', (type, body) => {
    expect(photoProblem(type, body)).toBeNull();
  });

  it('should read the declared type without parameters and whatever its case', () => {
    expect(photoProblem('IMAGE/JPEG; charset=binary', more(JPEG_SIGNATURE))).toBeNull();
  });

  it.each([[undefined], [''], ['text/html'], ['image/gif'], ['application/octet-stream'], ['image/svg+xml']])(
    'should refuse the declared type %p as unsupported',
    (type) => {
      expect(photoProblem(type, more(JPEG_SIGNATURE))).toBe('PHOTO_TYPE_UNSUPPORTED');
    },
  );

  it.each([[Buffer.alloc(0)], [{}], ['<b>x</b>'], [undefined]])('should call an empty or unparsed body empty (%p)', (body) => {
    expect(photoProblem('image/jpeg', body)).toBe('PHOTO_EMPTY');
  });

  it.each([
    ['image/png', more(JPEG_SIGNATURE)],
    ['image/jpeg', more(PNG_SIGNATURE)],
    ['image/webp', more(PNG_SIGNATURE)],
    // a RIFF file that is not WebP (a WAVE sound)
    ['image/webp', more(Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WAVE', 'latin1')]))],
    ['image/png', more(Buffer.from('<script>alert(1)</script>'))],
  ])('should refuse %s whose bytes are something else', (type, body) => {
    expect(photoProblem(type, body)).toBe('PHOTO_CONTENT_MISMATCH');
  });

  // The signature alone is not a photo: at least one byte of image data must follow it.
  it.each([
    ['image/jpeg', JPEG_SIGNATURE],
    ['image/png', PNG_SIGNATURE],
    ['image/webp', WEBP_HEADER],
  ])('should refuse a %s body that is only its signature, and accept it with one byte more', (type, head) => {
    expect(photoProblem(type, head)).toBe('PHOTO_CONTENT_MISMATCH');
    expect(photoProblem(type, more(head, 1))).toBeNull();
  });
});
