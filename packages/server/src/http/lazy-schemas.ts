/**
 * Fastify's own schema compilers (Ajv for requests, fast-json-stringify for responses), but
 * compiled when a route is first used instead of all at start. Compiling every route's
 * schemas was about a third of a cold start; a server that is up sooner serves sooner. After
 * the listeners are up, `warmUp()` compiles what is left a few routes per event-loop turn, so
 * a first request rarely pays for it and a broken schema still shows in the log early.
 */
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { buildRequestValidator } from '@tessera/service-kit';
import type { FastifyServerOptions } from 'fastify';

type Compile = () => void;

export interface LazySchemas {
  /** For `Fastify({ schemaController: { compilersFactory } })`. */
  compilersFactory: NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
  /** Compiles every route not compiled yet, `perTurn` at a time; resolves when done. */
  warmUp(perTurn?: number): Promise<void>;
  /** Routes still compiled lazily (for tests). */
  readonly pending: number;
}

// biome-ignore lint/suspicious/noExplicitAny: the compilers' own signatures, passed through unchanged
type AnyFn = (...args: any[]) => any;

export function lazySchemas(): LazySchemas {
  const pending = new Set<Compile>();
  const buildSerializer = SerializerSelector();

  const lazy = (compile: () => AnyFn, carryErrors: boolean) => {
    let fn: AnyFn | undefined;
    const ensure: Compile = () => {
      if (fn) return;
      pending.delete(ensure);
      fn = compile();
    };
    pending.add(ensure);
    const wrapper = function (this: unknown, ...args: unknown[]) {
      ensure();
      const result = (fn as AnyFn).apply(this, args);
      if (carryErrors) (wrapper as unknown as { errors: unknown }).errors = (fn as { errors?: unknown }).errors;
      return result;
    };
    if (carryErrors) {
      // Fastify passes Ajv functions (those with a `schemaEnv`) the data's context as a second
      // argument, which Ajv needs to coerce a value in place; the wrapper says it is one.
      (wrapper as unknown as { schemaEnv: object }).schemaEnv = {};
    }
    return wrapper;
  };

  return {
    compilersFactory: {
      buildValidator(externalSchemas, ajvOptions) {
        // service-kit's validators: bodies never coerced, unknown fields kept for the schema to judge.
        const compiler = buildRequestValidator(externalSchemas, ajvOptions);
        return (route) => lazy(() => compiler(route as never) as AnyFn, true) as never;
      },
      buildSerializer(externalSchemas, serializerOptions) {
        const compiler = buildSerializer(externalSchemas as never, serializerOptions as never);
        return (route) => lazy(() => compiler(route as never) as AnyFn, false) as never;
      },
    },
    async warmUp(perTurn = 4) {
      while (pending.size > 0) {
        let n = 0;
        for (const compile of pending) {
          compile();
          if (++n >= perTurn) break;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    get pending() {
      return pending.size;
    },
  };
}
