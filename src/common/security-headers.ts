import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/config.js';

/** A JSON API needs no content of its own: nothing may load, frame or submit anything. */
const API_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
};

/** Swagger UI (/docs): its own scripts and styles (it inlines <style> blocks), images as data: URIs. */
const DOCS_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
  },
};

/**
 * Security headers on every answer (@fastify/helmet): nosniff, no framing, a
 * CSP that allows nothing (Swagger UI's pages get what they need), no
 * referrer; HSTS only when HSTS_MAX_AGE_SECONDS says clients arrive over TLS.
 * API answers carry tokens, keys, webhook secrets and tenant data, so every
 * /v1 answer is `Cache-Control: no-store` unless its route sets its own.
 */
export async function registerSecurityHeaders(
  fastify: FastifyInstance,
  config: Pick<AppConfig, 'hstsMaxAgeSeconds'>,
): Promise<void> {
  const hstsMaxAgeSeconds = config.hstsMaxAgeSeconds;
  // Nest registers the Swagger routes itself, so their CSP is set per route as they are added.
  fastify.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) {
      route.config = Object.assign(route.config ?? {}, {
        helmet: { contentSecurityPolicy: DOCS_CSP },
      });
    }
  });
  fastify.addHook('onRequest', async (request, reply) => {
    const url = request.url;
    if (url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?'))
      void reply.header('cache-control', 'no-store');
  });
  await fastify.register(helmet, {
    global: true,
    contentSecurityPolicy: API_CSP,
    frameguard: { action: 'deny' },
    strictTransportSecurity:
      hstsMaxAgeSeconds > 0 ? { maxAge: hstsMaxAgeSeconds, includeSubDomains: true } : false,
  });
}
