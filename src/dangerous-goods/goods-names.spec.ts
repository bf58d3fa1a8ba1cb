import { buildCatalogue, readTable } from './catalogue.js';
import { loadFlagTables } from './goods-flags-data.js';
import { describeAll, describeGoods, foldForSearch, GoodsSearchIndex, parseGoodsNames, type AdditionRow, type Searchable } from './goods-names.js';

describe('dangerous-goods Chinese names and search', () => {
  const catalogue = buildCatalogue(readTable('us-49cfr-172101-hazmat-table.csv'), readTable('adr-2025-table-a-codes.csv'));
  const names = parseGoodsNames(readTable('cn-names.csv'));
  const tables = loadFlagTables();

  describe('cn-names.csv', () => {
    it('should name at least 80 UN numbers, each once, each in the catalogue', () => {
      expect(names.length).toBeGreaterThanOrEqual(80);
      const uns = names.map((n) => n.unNumber);
      expect(uns.filter((u, i) => uns.indexOf(u) !== i)).toEqual([]);
      expect(uns.filter((u) => !catalogue.has(u))).toEqual([]);
    });

    it('should give Chinese names, aliases different from the name, and a source on every row', () => {
      for (const n of names) {
        expect([n.unNumber, /\p{Script=Han}/u.test(n.nameZh)]).toEqual([n.unNumber, true]);
        expect(n.aliasesZh).not.toContain(n.nameZh);
        expect(n.source).toMatch(/GB 12268-2012 .*verify/);
      }
    });

    it.each([
      ['1203', '汽油'],
      ['1202', '柴油'],
      ['1075', '液化石油气'],
      ['1972', '液化天然气'],
      ['1005', '液氨'],
      ['1017', '液氯'],
      ['1230', '甲醇'],
      ['1830', '硫酸'],
      ['1789', '盐酸'],
      ['2031', '硝酸'],
      ['1689', '氰化钠'],
    ])('should name UN%s %s', (un, zh) => {
      expect(names.find((n) => n.unNumber === un)?.nameZh).toBe(zh);
    });

    it('should cover every UN number of the plan\'s high-hazard chemicals and the common fuels, gases, batteries and n.o.s. entries', () => {
      const uns = new Set(names.map((n) => n.unNumber));
      const expected = ['1942', '2067', '0222', '3375', '2555', '2556', '2557', '0340', '0341', '0342', '0343', '1689', '1680', '1971', '1223', '1267', '1863'];
      expected.push('0333', '0334', '0335', '0336', '0337', '3480', '3481', '1263', '1133', '3077', '3082', '1824', '1823', '2014', '2448', '1791', '1402');
      expect(expected.filter((u) => !uns.has(u))).toEqual([]);
    });

    it('should refuse a row with a bad CAS check digit or no name', () => {
      const head = 'un_number,name_zh,aliases_zh,cas,source\n';
      expect(() => parseGoodsNames(`${head}1230,甲醇,,67-56-2,x\n`)).toThrow(/bad CAS: 67-56-2/);
      expect(() => parseGoodsNames(`${head}1230,,,67-56-1,x\n`)).toThrow(/row 1/);
      expect(parseGoodsNames(`# c\n${head}UN1230,甲醇,木醇|木精,67-56-1,x\n`)).toEqual([
        { unNumber: '1230', nameZh: '甲醇', aliasesZh: ['木醇', '木精'], cas: ['67-56-1'], source: 'x' },
      ]);
    });
  });

  describe(GoodsSearchIndex.name, () => {
    const item = (unNumber: string, nameZh: string | null, names: string[], aliasesZh: string[] = [], cas: string[] = []): Searchable => ({
      unNumber,
      nameZh,
      names,
      aliasesZh,
      cas,
    });
    const small = new GoodsSearchIndex([
      item('1235', '甲胺水溶液', ['Methylamine, aqueous solution'], ['一甲胺溶液'], ['74-89-5']),
      item('1230', '甲醇', ['Methanol'], ['木醇'], ['67-56-1']),
      item('1289', '甲醇钠乙醇溶液', ['Sodium methylate solutions in alcohol']),
      item('2000', null, ['Celluloid'], [], ['9004-70-0']),
      item('1203', '汽油', ['Gasoline'], ['车用汽油']),
    ]);
    const uns = (q: string, limit?: number) => small.search(q, limit).map((h) => h.item.unNumber);

    it('should put an exact name before prefixes and substrings', () => {
      expect(uns('甲醇')).toEqual(['1230', '1289']);
      expect(small.search('甲醇').map((h) => h.match.rank)).toEqual(['exact', 'prefix']);
      expect(uns('醇')).toEqual(['1230', '1289']); // both substrings: the shorter match first
    });

    it('should find UN numbers written in any usual way, and UN prefixes', () => {
      for (const q of ['1230', 'UN1230', 'un 1230', 'ＵＮ１２３０']) expect(uns(q)).toEqual(['1230']);
      expect(uns('UN12')).toEqual(['1203', '1230', '1235', '1289']);
      expect(small.search('1230')[0]!.match).toEqual({ field: 'un', value: '1230', rank: 'exact' });
    });

    it('should find CAS numbers exactly', () => {
      expect(small.search('67-56-1')).toEqual([expect.objectContaining({ match: { field: 'cas', value: '67-56-1', rank: 'exact' } })]);
      expect(uns('9004-70-0')).toEqual(['2000']);
    });

    it('should match English names case-insensitively, exact before prefix before substring', () => {
      expect(uns('METHANOL')).toEqual(['1230']);
      expect(uns('meth')).toEqual(['1230', '1235', '1289']); // two prefixes (shorter first), then a substring
      expect(small.search('meth').map((h) => h.match.rank)).toEqual(['prefix', 'prefix', 'substring']);
      expect(uns('solution')).toEqual(['1235', '1289']);
      expect(small.search('solution').map((h) => h.match.rank)).toEqual(['substring', 'substring']);
    });

    it('should match aliases, rank a Chinese name above an alias of the same rank, and honour the limit', () => {
      expect(small.search('木醇')[0]).toMatchObject({ item: { unNumber: '1230' }, match: { field: 'alias_zh', rank: 'exact' } });
      expect(uns('汽油')).toEqual(['1203']);
      expect(uns('甲', 2)).toHaveLength(2);
      expect(uns('  ')).toEqual([]);
      expect(uns('no such thing')).toEqual([]);
    });

    it('should fold full-width punctuation so that 1,2-二氯乙烷 finds 1，2-二氯乙烷', () => {
      expect(foldForSearch('1，2-二氯乙烷')).toBe(foldForSearch('1,2-二氯乙烷'));
    });

    it('should rank the shipped catalogue: Chinese name, CAS, English name, UN number', () => {
      const index = new GoodsSearchIndex(describeAll(catalogue, names, [], tables).values());
      expect(index.search('甲醇')[0]!.item.unNumber).toBe('1230');
      expect(index.search('67-56-1').map((h) => h.item.unNumber)).toEqual(['1230']);
      expect(index.search('methanol')[0]!.item.unNumber).toBe('1230');
      expect(index.search('UN1203')[0]!.item).toMatchObject({ unNumber: '1203', nameZh: '汽油' });
      expect(index.search('液氯')[0]!.item.unNumber).toBe('1017');
      expect(index.search('硫酸').slice(0, 2).map((h) => h.item.unNumber)).toEqual(['1830', '1831']);
      expect(index.search('双氧水').map((h) => h.item.unNumber).sort()).toEqual(['2014', '2015', '2984']);
      expect(index.search('gasoline')[0]!.item.unNumber).toBe('1203');
    });
  });

  describe(describeGoods.name, () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const add = (kind: AdditionRow['kind'], value: string, s: number, unNumber = '1230'): AdditionRow => ({
      id: `00000000-0000-4000-8000-00000000000${s}`,
      unNumber,
      kind,
      value,
      source: `src ${s}`,
      createdAt: at(s),
    });
    const methanol = names.find((n) => n.unNumber === '1230');

    it('should merge the catalogue with the curated names', () => {
      const d = describeGoods(catalogue.get('1230')!, methanol, [], tables);
      expect(d).toMatchObject({ unNumber: '1230', names: ['Methanol'], nameZh: '甲醇', aliasesZh: ['木醇', '木精'], cas: ['67-56-1'], hazardClass: '3', additions: [] });
      expect(d.variants[0]).toMatchObject({ packingGroup: 'II', labels: ['3', '6.1'], tankCode: 'L4BH', hazardId: '336' });
      expect(d.nameSource).toContain('GB 12268');
    });

    it("should let an administrator's name replace the curated one, keeping the old one as an alias", () => {
      const d = describeGoods(catalogue.get('1230')!, methanol, [add('alias', '甲基醇', 2), add('name_zh', '甲醇（工业级）', 1)], tables);
      expect(d.nameZh).toBe('甲醇（工业级）');
      expect(d.aliasesZh).toEqual(['木醇', '木精', '甲基醇', '甲醇']);
      expect(d.nameSource).toBe('administrator: src 1');
      expect(d.additions.map((a) => a.kind)).toEqual(['name_zh', 'alias']);
    });

    it('should derive flags from an added CAS number and from added flags', () => {
      // UN1486 without its curated CAS: the added one makes it an explosive precursor (易制爆 2.2 硝酸钾).
      const d = describeGoods(catalogue.get('1486')!, undefined, [add('cas', '7757-79-1', 1, '1486'), add('flag', 'hazardous_waste', 2, '1486')], tables);
      expect(d.cas).toEqual(['7757-79-1']);
      expect(d.flags).toMatchObject({ explosivePrecursor: true, hazardousWaste: true, highlyToxic: false });
      expect(describeGoods(catalogue.get('1486')!, undefined, [], tables).flags.explosivePrecursor).toBe(false);
    });
  });
});
