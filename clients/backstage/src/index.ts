/**
 * The BeatPass Collaborations API for the Backstage app, typed from the API's contract.
 *
 * `schema.d.ts` is generated from `infra/openapi.yaml` by openapi-typescript (`cargo xtask
 * client`; `cargo xtask test` fails when it is not what the spec generates), and every call goes
 * through openapi-fetch, so a path, a parameter or a field the API does not have is a type error
 * in the app, not a 404 in production. Answers carry `ETag`s and `Cache-Control`: the browser's
 * own HTTP cache revalidates them (`304`), so nothing here caches.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths };
/** The API's named shapes: `Schemas["Summary"]`, `Schemas["Board"]`, … */
export type Schemas = components["schemas"];
export type BackstageClient = Client<paths>;

export interface BackstageClientOptions {
  /** The API's base URL: the stage's invoke URL, or `http://127.0.0.1:9000` under `cargo xtask dev`. */
  baseUrl: string;
  /** The signed-in user's JWT, read at every call so a refreshed token is used. */
  token?: () => string | undefined | Promise<string | undefined>;
  /**
   * Local runs only (`cargo xtask dev`): the producer the `x-dev-producer-id` header names. The
   * deployed functions are built without the code that reads it.
   */
  devProducerId?: string;
  /** The fetch to use (the browser's by default). */
  fetch?: typeof globalThis.fetch;
}

/** A client of the API whose every call carries the caller's identity. */
export function createBackstageClient(options: BackstageClientOptions): BackstageClient {
  const client = createClient<paths>(
    options.fetch ? { baseUrl: options.baseUrl, fetch: options.fetch } : { baseUrl: options.baseUrl },
  );
  const identity: Middleware = {
    async onRequest({ request }) {
      const token = await options.token?.();
      if (token) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      if (options.devProducerId) {
        request.headers.set("x-dev-producer-id", options.devProducerId);
      }
      return request;
    },
  };
  client.use(identity);
  return client;
}
