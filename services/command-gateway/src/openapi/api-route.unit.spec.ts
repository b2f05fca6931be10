import 'reflect-metadata';
import { Controller, Get, Patch, Post } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { API_CONTROLLERS } from '../api-controllers';
import { AppModule, type GatewayParts } from '../app.module';
import { ApiExcluded, ApiRoute, documentedRoutes, openApiPath } from './api-route';
import { ROUTES } from './document';
import { OpenApiController } from './openapi.controller';
import type { RouteDescription } from './route-model';

function described(operationId: string, extra: Partial<RouteDescription> = {}): RouteDescription {
  return {
    operationId,
    tag: 'Test',
    summary: operationId,
    description: operationId,
    success: [],
    errors: [],
    ...extra,
  };
}

@Controller('api/v1/widgets')
class WidgetsController {
  @Post()
  @ApiRoute(described('createWidget'))
  create(): void {}

  @Patch(':id/colour')
  @ApiRoute(described('paintWidget', { pathId: { description: 'The widget id.', example: 'w1' } }))
  paint(): void {}

  @Get('internal')
  @ApiExcluded()
  internal(): void {}

  /** Not a route: no Nest decorator, so nothing to document. */
  helper(): void {}
}

@Controller('api/v1/gadgets')
class UndocumentedController {
  @Get(':id')
  get(): void {}
}

@Controller('api/v1/gizmos')
class MissingPathIdController {
  @Get(':id')
  @ApiRoute(described('getGizmo'))
  get(): void {}
}

describe('routes documented from their Nest decorators', () => {
  it("takes each operation's method and path from the handler's decorators, and skips excluded routes", () => {
    const routes = documentedRoutes([WidgetsController]);
    expect(routes.map((r) => [r.method, r.path, r.operationId])).toEqual([
      ['post', '/api/v1/widgets', 'createWidget'],
      ['patch', '/api/v1/widgets/{id}/colour', 'paintWidget'],
    ]);
  });

  it('refuses a registered route without @ApiRoute or @ApiExcluded, naming the route and the handler', () => {
    expect(() => documentedRoutes([UndocumentedController])).toThrow(
      'GET /api/v1/gadgets/{id} (UndocumentedController.get) is not documented',
    );
  });

  it('refuses a path with {id} whose description does not describe the id', () => {
    expect(() => documentedRoutes([MissingPathIdController])).toThrow(/pathId/);
  });

  it.each([
    ['api/v1/accounts', '/', '/api/v1/accounts'],
    ['api/v1/accounts', ':id/status', '/api/v1/accounts/{id}/status'],
    ['/', '/api/docs-json', '/api/docs-json'],
    ['health', 'live', '/health/live'],
  ])('writes the Nest path %s + %s as %s', (prefix, path, expected) => {
    expect(openApiPath(prefix, path)).toBe(expected);
  });
});

describe("the gateway's routes", () => {
  it('registers exactly the documented API controllers and the controller serving the document', () => {
    const module = AppModule.create({} as GatewayParts);
    expect(module.controllers).toEqual([...API_CONTROLLERS, OpenApiController]);
  });

  it("keeps every route of the document's own controller out of the document", () => {
    expect(documentedRoutes([OpenApiController])).toEqual([]);
  });

  it('documents every route the API controllers register, each once', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
