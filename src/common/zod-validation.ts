import { applyDecorators, Body, Param, Query, type PipeTransform } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { ValidationError, type FieldError } from './errors.js';

// Request validation with zod (STYLE.md 3.3). nestjs-zod does not support NestJS 12 yet, and this is all we
// need of it: a pipe that parses with a schema, and OpenAPI from zod's own JSON Schema output.
export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    code: i.code.toUpperCase(),
    message: i.message,
  }));
}

// PostgreSQL text (and jsonb) cannot hold U+0000: a string carrying it would fail in the database as a 500, so
// it is refused here, for every field of every body, query and parameter, before the schema runs.
export function nulCharacterPaths(value: unknown, limit = 5): string[] {
  type Node = { v: unknown; key: string; parent: Node | null };
  const pathOf = (n: Node | null, key?: string): string => {
    const keys: string[] = key === undefined ? [] : [key];
    for (let x = n; x && x.parent; x = x.parent) keys.push(x.key);
    return keys.reverse().join('.') || '(root)';
  };
  const found: string[] = [];
  // Iterative, with paths built only for what is found: a deeply nested body must not cost the stack or O(n²).
  const stack: Node[] = [{ v: value, key: '', parent: null }];
  while (stack.length > 0 && found.length < limit) {
    const n = stack.pop()!;
    if (typeof n.v === 'string') {
      if (n.v.includes('\u0000')) found.push(pathOf(n));
    } else if (n.v !== null && typeof n.v === 'object') {
      for (const [k, child] of Object.entries(n.v)) {
        if (k.includes('\u0000')) found.push(pathOf(n, k));
        stack.push({ v: child, key: k, parent: n });
      }
    }
  }
  return found;
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.infer<S> {
  const nul = nulCharacterPaths(value);
  if (nul.length > 0) {
    const fields = nul.map((path) => ({ path: path.replace(/\u0000/g, '\\u0000'), code: 'NUL_CHARACTER', message: 'must not contain the NUL character (U+0000)' }));
    throw new ValidationError(`Invalid ${what}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const fields = toFieldErrors(result.error);
    throw new ValidationError(`Invalid ${what}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
  }
  return result.data;
}

export class ZodPipe implements PipeTransform {
  constructor(
    private readonly schema: z.ZodType,
    private readonly what: string,
  ) {}
  transform(value: unknown) {
    return parseOrThrow(this.schema, value, this.what);
  }
}

export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

// @ZodBody(CreateUserSchema) body: CreateUser: validated body, documented in OpenAPI.
export const ZodBody = (schema: z.ZodType) => Body(new ZodPipe(schema, 'body'));
export const ZodQuery = (schema: z.ZodType) => Query(new ZodPipe(schema, 'query'));
export const UuidParam = (name = 'id') => Param(name, new ZodPipe(z.uuid(), `path parameter ${name}`));

// Method decorators adding the schemas to the OpenAPI document.
export const ApiZodBody = (schema: z.ZodType) =>
  applyDecorators(ApiBody({ schema: jsonSchemaOf(schema) as never }));
export const ApiZodQuery = (schema: z.ZodObject) =>
  applyDecorators(
    ...Object.entries(schema.shape).map(([name, field]) =>
      ApiQuery({ name, required: !(field as z.ZodType).safeParse(undefined).success, schema: jsonSchemaOf(field as z.ZodType) as never }),
    ),
  );
