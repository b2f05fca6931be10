import { API_CONTROLLERS } from '../api-controllers';
import { documentedRoutes } from './api-route';
import type {
  JsonSchema,
  MediaTypeObject,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
  ResponseObject,
} from './openapi-types';
import { problemResponses } from './problems';
import type { RouteDoc, SuccessDoc } from './route-model';
import {
  CORRELATION_PARAMETERS,
  CORRELATION_RESPONSE_HEADERS,
  HEADER_PARAMETERS,
  RESPONSE_HEADERS,
} from './route-model';
import { HEALTH_DESCRIPTIONS } from './other.docs';
import { componentRef, componentSchemas, inlineSchema } from './schemas';

/**
 * Builds the gateway's OpenAPI 3.1 document from the API controllers: each route's method and path are
 * the ones its Nest decorators register, its description is its `@ApiRoute`, and the schemas come from
 * zod through z.toJSONSchema, so nothing here is written twice by hand. It is plain data computed once.
 */

export const ROUTES: readonly RouteDoc[] = documentedRoutes(API_CONTROLLERS, HEALTH_DESCRIPTIONS);

const JSON_MEDIA_TYPE = 'application/json';

/** The request path an example problem names: the route with its example id filled in. */
function exampleInstance(route: RouteDoc): string {
  return route.pathId ? route.path.replace('{id}', route.pathId.example) : route.path;
}

/** One parameter per field of the query schema, as the client sends it (the schema's input side). */
function queryParameters(route: RouteDoc): ParameterObject[] {
  if (!route.query) return [];
  const schema = inlineSchema(route.query.schema);
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const fieldSchema: JsonSchema = typeof property === 'boolean' ? {} : property;
    // The description belongs to the parameter; left in the schema too, Swagger UI would show it twice.
    const { description, ...rest } = fieldSchema;
    const parameter: ParameterObject = {
      name,
      in: 'query',
      required: required.has(name),
      schema: rest,
    };
    if (typeof description === 'string') parameter.description = description;
    const example = route.query?.example[name];
    if (example !== undefined) parameter.example = example;
    return parameter;
  });
}

function parameters(route: RouteDoc): ParameterObject[] {
  const list: ParameterObject[] = [];
  if (route.pathId) {
    list.push({
      name: 'id',
      in: 'path',
      required: true,
      description: route.pathId.description,
      schema: { type: 'string', format: 'uuid' },
      example: route.pathId.example,
    });
  }
  list.push(...queryParameters(route));
  for (const name of route.headers ?? []) {
    const header = HEADER_PARAMETERS[name];
    list.push({
      name,
      in: 'header',
      required: false,
      description: header.description,
      schema: inlineSchema(header.schema),
      example: header.example,
    });
  }
  if (isApiRoute(route))
    for (const header of CORRELATION_PARAMETERS)
      list.push({
        name: header.name,
        in: 'header',
        required: false,
        description: header.description,
        schema: inlineSchema(header.schema),
        example: header.example,
      });
  return list;
}

function isApiRoute(route: RouteDoc): boolean {
  return route.path.startsWith('/api/v1/');
}

function successResponse(success: SuccessDoc, api: boolean): ResponseObject {
  const response: ResponseObject = {
    description: success.description,
    content: { [JSON_MEDIA_TYPE]: { schema: componentRef(success.name), example: success.example } },
  };
  const headers = [
    ...success.headers.map((name) => [name, RESPONSE_HEADERS[name]] as const),
    ...(api ? Object.entries(CORRELATION_RESPONSE_HEADERS) : []),
  ];
  if (headers.length > 0) {
    response.headers = Object.fromEntries(
      headers.map(([name, header]) => [
        name,
        { description: header.description, schema: { type: 'string' }, example: header.example },
      ]),
    );
  }
  return response;
}

function operation(route: RouteDoc): OperationObject {
  const responses: Record<string, ResponseObject> = {};
  for (const success of route.success)
    responses[String(success.status)] = successResponse(success, isApiRoute(route));
  if (route.stream) {
    const stream: MediaTypeObject = { schema: { type: 'string' }, example: route.stream.example };
    responses['200'] = { description: route.stream.description, content: { 'text/event-stream': stream } };
  }
  Object.assign(responses, problemResponses(route.errors, exampleInstance(route)));
  const op: OperationObject = {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: route.description,
    responses,
  };
  if (route.open) op.security = [];
  const params = parameters(route);
  if (params.length > 0) op.parameters = params;
  if (route.body) {
    op.requestBody = {
      required: true,
      content: {
        [JSON_MEDIA_TYPE]: { schema: componentRef(route.body.name), example: route.body.example },
      },
    };
  }
  return op;
}

export function buildOpenApiDocument(): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of ROUTES) {
    const item = (paths[route.path] ??= {});
    if (item[route.method]) throw new Error(`${route.method} ${route.path} is described twice`);
    item[route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Billing platform API',
      version: '1.0.0',
      description:
        'The HTTP edge of the billing platform: accounts, money movements and read models. Every /api/v1 ' +
        'route needs a credential: an API key in X-API-Key, or an API key or a JWT as Authorization: Bearer; ' +
        'each caller is rate limited. Money amounts are decimal strings. ' +
        'Money movements are idempotent by key and answer 202 at once unless Prefer: wait=N asks for the ' +
        'final state. Every refusal is an RFC 9457 application/problem+json document with a stable `code`.',
    },
    servers: [{ url: '/', description: 'This gateway' }],
    tags: [
      { name: 'Accounts', description: 'Open, read and administer accounts.' },
      { name: 'Transactions', description: 'Move money and follow the movements.' },
      { name: 'Operations', description: "Operators' actions on transactions: retry a step, investigate." },
      { name: 'Reports', description: 'Ledger-wide reports and reference data.' },
      {
        name: 'Operations',
        description:
          'What operators repair: the dead letters consumers refused, and replaying them. Admins only.',
      },
      { name: 'Events', description: 'Live events over Server-Sent Events.' },
      { name: 'Health', description: 'Probes for the orchestrator; no API key.' },
    ],
    security: [{ ApiKey: [] }, { BearerAuth: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key from API_KEYS.' },
        BearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key, or a JWT from the configured issuer (its `sub` is the caller), as a bearer token.',
        },
      },
    },
  };
}

let cached: OpenApiDocument | undefined;

/** The document, built on first use: it never changes while the process runs. */
export function openApiDocument(): OpenApiDocument {
  cached ??= buildOpenApiDocument();
  return cached;
}
