import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, Param, Res, StreamableFile } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';
import { ProblemError } from '../http/problem';
import { ApiExcluded } from './api-route';
import { openApiDocument } from './document';
import type { OpenApiDocument } from './openapi-types';

/**
 * The API reference: the OpenAPI document at /api/docs-json and Swagger UI at /api/docs, its assets
 * served from the swagger-ui-dist package. These paths are outside /api/v1/, so the API-key guard lets
 * them through: the reference is for people who do not have a key yet.
 */

export const DOCS_PATH = '/api/docs';
export const DOCUMENT_PATH = '/api/docs-json';

/**
 * The only files served, with their media types. The requested name is looked up here and never joined
 * to a path as given, so no name (`..`, an encoded slash, an absolute path) can reach another file.
 */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ['swagger-ui-standalone-preset.js', 'text/javascript; charset=utf-8'],
  ['favicon-32x32.png', 'image/png'],
  ['favicon-16x16.png', 'image/png'],
]);

/**
 * Starts Swagger UI on the document. It is a script file of its own, not inline in the page, because the
 * docs pages' Content-Security-Policy allows scripts from this origin only.
 */
const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${DOCUMENT_PATH}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Billing platform API</title>
    <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css" />
    <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_PATH}/swagger-ui-standalone-preset.js"></script>
    <script src="${DOCS_PATH}/swagger-initializer.js"></script>
  </body>
</html>
`;

@Controller()
export class OpenApiController {
  private readonly assetDir = getAbsoluteFSPath();

  @Get(DOCUMENT_PATH)
  @ApiExcluded()
  @Header('cache-control', 'no-cache')
  document(): OpenApiDocument {
    return openApiDocument();
  }

  @Get(DOCS_PATH)
  @ApiExcluded()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  page(): string {
    return PAGE;
  }

  @Get(`${DOCS_PATH}/:file`)
  @ApiExcluded()
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): StreamableFile {
    if (file === 'swagger-initializer.js') {
      // The package ships an initializer too, but it points at a demo document; this one is ours.
      void reply.header('cache-control', 'no-cache');
      return new StreamableFile(Buffer.from(INITIALIZER), { type: 'text/javascript; charset=utf-8' });
    }
    const type = ASSETS.get(file);
    if (type === undefined) throw new ProblemError(404, 'ROUTE.NOT_FOUND', 'no such file');
    // The assets change only with the swagger-ui-dist version, so browsers may keep them for a day; the
    // header is set here rather than by decorator so that a refusal is not cached too.
    void reply.header('cache-control', 'public, max-age=86400');
    return new StreamableFile(createReadStream(join(this.assetDir, file)), { type });
  }
}
