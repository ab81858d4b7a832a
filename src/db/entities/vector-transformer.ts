import { fromSql, toSql } from 'pgvector';
import type { ValueTransformer } from 'typeorm';

/**
 * number[] <-> pgvector's text form ('[1,2,3]'), through the pgvector package so that entities and raw
 * queries (vectorLiteral) write vectors the same way. TypeORM's postgres driver may already have turned
 * the text into an array before `from` runs (it knows the 'vector' type), so arrays pass through.
 */
export const vectorTransformer: ValueTransformer = {
  to: (value: number[] | null | undefined): string | null | undefined => (value == null ? value : (toSql(value) as string)),
  from: (value: string | number[] | null | undefined): number[] | null | undefined =>
    typeof value === 'string' ? (fromSql(value) as number[]) : value,
};
