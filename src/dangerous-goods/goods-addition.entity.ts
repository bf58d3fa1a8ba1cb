import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

// What administrators add to the shipped catalogue: Chinese names and aliases, CAS numbers and flags
// (剧毒, 易制爆, ...), each with its source. The shipped tables stay unchanged.
@Entity({ name: 'dangerous_goods_additions' })
@Check('dangerous_goods_additions_kind_ck', `kind IN ('name_zh','alias','cas','flag')`)
@Index('dangerous_goods_additions_uq', ['unNumber', 'kind', 'value'], { unique: true })
export class GoodsAddition {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'char', length: 4 }) unNumber!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: 'name_zh' | 'alias' | 'cas' | 'flag';
  @Column({ type: 'varchar', length: 200 }) value!: string;
  @Column({ type: 'varchar', length: 300 }) source!: string;
  @Column({ type: 'uuid', nullable: true }) createdByUserId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
