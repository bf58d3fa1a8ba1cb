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

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.infer<S> {
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
