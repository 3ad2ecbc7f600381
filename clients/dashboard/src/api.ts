/**
 * Reading the API through the generated client: an answer's body, or an `ApiError` carrying
 * the problem+json title the API sent, so every view shows why a read failed.
 */
import type { BackstageClient, Schemas } from "@beatpass/backstage-client";

export type { BackstageClient, Schemas };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The body of a successful answer; an `ApiError` otherwise. */
export async function body<D>(
  call: Promise<{ data?: D; error?: unknown; response: Response }>,
): Promise<D> {
  const { data, error, response } = await call;
  if (data !== undefined) {
    return data;
  }
  throw new ApiError(response.status, problemText(error) ?? `The API answered ${response.status}.`);
}

function problemText(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null) {
    const { title, detail } = error as { title?: unknown; detail?: unknown };
    if (typeof detail === "string") return detail;
    if (typeof title === "string") return title;
  }
  return undefined;
}
