import { z } from 'zod';
import { GOODS_FLAGS, isValidCas } from './goods-flags-data.js';

export const SearchGoodsSchema = z.object({
  // A UN number (1203, UN1203), a CAS number (67-56-1), or part of a Chinese or English name.
  q: z.string().trim().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type SearchGoods = z.infer<typeof SearchGoodsSchema>;

const source = z.string().trim().min(2).max(300);
const name = z.string().trim().min(1).max(200);

// What an administrator may add to a catalogue entry; every addition names its source (a list, a clause, an SDS).
export const CreateGoodsAdditionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('name_zh'), value: name.regex(/\p{Script=Han}/u, 'a Chinese name must contain Chinese characters'), source }),
  z.object({ kind: z.literal('alias'), value: name, source }),
  z.object({
    kind: z.literal('cas'),
    value: z.string().trim().regex(/^\d{2,7}-\d{2}-\d$/, 'a CAS number looks like 67-56-1').refine(isValidCas, 'the CAS check digit does not match'),
    source,
  }),
  z.object({ kind: z.literal('flag'), value: z.enum(GOODS_FLAGS), source }),
]);
export type CreateGoodsAddition = z.infer<typeof CreateGoodsAdditionSchema>;
