import type { ValidatorFactory } from '@fastify/ajv-compiler';
import type { SerializerFactory } from '@fastify/fast-json-stringify-compiler';

/**
 * fastify's own compilers (ajv for requests, fast-json-stringify for responses), but each route's
 * validator and serializer is compiled on the first request or response that needs it, not when the
 * server starts. Compiling every route up front, and loading ajv for it, was most of `oqs-reader
 * start` (about 0.6 s of CPU on 2 cores; docs/performance.md) for routes many sessions never call.
 * Results are the same; a schema that cannot compile now fails on its route's first use instead of
 * at start (the API tests call every route). No route has a `headers` request schema: fastify
 * passes those to a custom compiler without lower-casing the property names.
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

function lazySerializers(): SerializerFactory {
  let factory: SerializerFactory | undefined;
  return (externalSchemas, options) => {
    let compile: ReturnType<SerializerFactory> | undefined;
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc) => {
        // Loaded on first use too: fast-json-stringify brings ajv with it.
        factory ??= (require('@fastify/fast-json-stringify-compiler') as typeof import('@fastify/fast-json-stringify-compiler')).SerializerSelector();
        serialize ??= (compile ??= factory(externalSchemas, options))(route);
        return serialize(doc);
      };
    };
  };
}
