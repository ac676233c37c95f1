import type { ValidatorFactory } from '@fastify/ajv-compiler';

/**
 * fastify's request validators (ajv), each compiled on the first request that needs it, not when the
 * server starts; responses are plain JSON.stringify (below). Compiling every route up front, and
 * loading ajv for it, was most of `oqs-reader start` (about 0.6 s of CPU on 2 cores;
 * docs/performance.md) for routes many sessions never call. A schema that cannot compile now fails
 * on its route's first use instead of at start (the API tests call every route). No route has a
 * `headers` request schema: fastify passes those to a custom compiler without lower-casing the
 * property names.
 */
export const lazyCompilers = () => ({ buildValidator: lazyValidators(), buildSerializer: lazySerializers() });

// ajv-compiler's published types do not describe the route-definition call fastify makes; these do.
type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type CompileRoute = (route: { schema: unknown; method: string; url: string; httpPart: string }) => Validate;
type BuildValidator = (externalSchemas: unknown, options: unknown) => CompileRoute;

function lazyValidators(): ValidatorFactory {
  let factory: BuildValidator | undefined;
  const build: BuildValidator = (externalSchemas, options) => {
    let compile: CompileRoute | undefined;
    return (route) => {
      let validate: Validate | undefined;
      const lazy: Validate = (data) => {
        factory ??= (require('@fastify/ajv-compiler') as { default: () => BuildValidator }).default();
        validate ??= (compile ??= factory(externalSchemas, options))(route);
        const ok = validate(data);
        // fastify reads `.errors` off the function it was given after a `false`: pass them on.
        lazy.errors = validate.errors;
        return ok;
      };
      return lazy;
    };
  };
  return build as unknown as ValidatorFactory;
}

/**
 * Every response schema is open (additionalProperties: true, src/server/schemas.ts), so
 * fast-json-stringify would send what JSON.stringify sends; compiling it (and the ajv it loads) was
 * about 60 ms of CPU on the first answer of each route. The schemas still document the responses.
 */
type SerializerFactory = (externalSchemas: unknown, options: unknown) => (route: unknown) => (doc: unknown) => string;

function lazySerializers(): SerializerFactory {
  return () => () => (doc) => JSON.stringify(doc);
}
