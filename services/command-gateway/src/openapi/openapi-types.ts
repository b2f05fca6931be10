import type { z } from 'zod';

/**
 * The part of the OpenAPI 3.1 object model this gateway's document uses. It is written out here rather
 * than taken from a types package so that the document is checked by the compiler with no extra
 * dependency, and so that a field the document never uses cannot be set by mistake.
 */

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) as zod's converter produces it. */
export type JsonSchema = z.core.JSONSchema.JSONSchema;

/** A JSON Schema or a reference to one of the document's components. */
export type SchemaOrRef = JsonSchema | Reference;

export interface Reference {
  $ref: string;
}

export interface ExampleObject {
  summary?: string;
  description?: string;
  value: unknown;
}

export interface MediaTypeObject {
  schema: SchemaOrRef;
  example?: unknown;
  examples?: Record<string, ExampleObject>;
}

export interface HeaderObject {
  description: string;
  required?: boolean;
  schema: SchemaOrRef;
  example?: unknown;
}

export interface ParameterObject {
  name: string;
  in: 'query' | 'header' | 'path';
  description?: string;
  required: boolean;
  schema: SchemaOrRef;
  example?: unknown;
}

export interface RequestBodyObject {
  description?: string;
  required: boolean;
  content: Record<string, MediaTypeObject>;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject>;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  /** An empty list makes the operation open; leaving it out applies the document-wide requirement. */
  security?: Record<string, string[]>[];
  parameters?: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject>;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type PathItemObject = Partial<Record<HttpMethod, OperationObject>>;

export type SecuritySchemeObject =
  | { type: 'apiKey'; in: 'header'; name: string; description: string }
  | { type: 'http'; scheme: 'bearer'; description: string };

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string; description?: string }[];
  tags: { name: string; description: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, SecuritySchemeObject>;
  };
}
