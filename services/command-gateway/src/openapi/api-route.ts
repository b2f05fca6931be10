import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { HttpMethod } from './openapi-types';
import type { RouteDescription, RouteDoc } from './route-model';

/**
 * The document's operations come from the controllers: a handler's method and path are the ones its Nest
 * decorator (`@Post('topup')` under `@Controller('api/v1/transactions')`) registers, and `@ApiRoute`
 * beside it adds what Nest cannot know (summary, examples, the problems it answers). A registered route
 * with neither `@ApiRoute` nor `@ApiExcluded` fails the document build, so none can go undocumented.
 */

const ROUTE_DESCRIPTION = Symbol('openapi:route-description');
const ROUTE_EXCLUDED = Symbol('openapi:route-excluded');

/** Documents the route the handler's Nest decorator registers. */
export function ApiRoute(description: RouteDescription): MethodDecorator {
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(ROUTE_DESCRIPTION, description, descriptor.value as object);
  };
}

/** Keeps a registered route out of the document (the document's own routes and Swagger UI's assets). */
export function ApiExcluded(): MethodDecorator {
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(ROUTE_EXCLUDED, true, descriptor.value as object);
  };
}

/**
 * Descriptions for the handlers of a controller that lives in a shared package (the health probes), which
 * cannot import the gateway's documentation, keyed by handler name.
 */
export type ExternalDescriptions = ReadonlyMap<Type, Readonly<Record<string, RouteDescription>>>;

const HTTP_METHODS: Partial<Record<RequestMethod, HttpMethod>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

/** Nest's path (`api/v1/accounts` + `:id/status`) as an OpenAPI path (`/api/v1/accounts/{id}/status`). */
export function openApiPath(prefix: string, path: string): string {
  const joined = `/${prefix}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  return joined.replace(/:(\w+)/g, '{$1}');
}

function onePath(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  throw new Error(`${where}: the document supports one path per controller and route, not ${String(value)}`);
}

function describedRoute(
  controller: Type,
  handler: string,
  external: ExternalDescriptions,
): RouteDoc | 'excluded' | undefined {
  const fn = (controller.prototype as Record<string, unknown>)[handler];
  if (typeof fn !== 'function') return undefined;
  const path: unknown = Reflect.getMetadata(PATH_METADATA, fn);
  if (path === undefined) return undefined;
  if (Reflect.getMetadata(ROUTE_EXCLUDED, fn) === true) return 'excluded';
  const where = `${controller.name}.${handler}`;
  const requestMethod = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod;
  const method = HTTP_METHODS[requestMethod];
  if (!method) throw new Error(`${where}: ${RequestMethod[requestMethod]} routes cannot be documented`);
  const prefix = onePath(Reflect.getMetadata(PATH_METADATA, controller) ?? '/', controller.name);
  const route = `${method.toUpperCase()} ${openApiPath(prefix, onePath(path, where))}`;
  const description =
    (Reflect.getMetadata(ROUTE_DESCRIPTION, fn) as RouteDescription | undefined) ??
    external.get(controller)?.[handler];
  if (!description) {
    throw new Error(`${route} (${where}) is not documented: add @ApiRoute({...}) or @ApiExcluded() to it`);
  }
  const doc: RouteDoc = { ...description, method, path: openApiPath(prefix, onePath(path, where)) };
  const hasId = doc.path.includes('{id}');
  if (hasId !== (doc.pathId !== undefined)) {
    throw new Error(`${route}: describe the {id} path parameter with pathId exactly when the path has one`);
  }
  return doc;
}

/** Every documented route of the controllers, in the order the controllers and their handlers are declared. */
export function documentedRoutes(
  controllers: readonly Type[],
  external: ExternalDescriptions = new Map(),
): RouteDoc[] {
  const routes: RouteDoc[] = [];
  for (const controller of controllers) {
    for (const handler of Object.getOwnPropertyNames(controller.prototype)) {
      if (handler === 'constructor') continue;
      const route = describedRoute(controller, handler, external);
      if (route !== undefined && route !== 'excluded') routes.push(route);
    }
  }
  return routes;
}
