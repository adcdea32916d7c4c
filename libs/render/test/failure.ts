import { isRenderError, type RenderError } from '../src/index.js';

/** The RenderError `p` rejects with; anything else (or success) fails the test. */
export async function failure(p: Promise<unknown>): Promise<RenderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRenderError(err)) throw new Error(`expected a RenderError, got ${String(err)}`);
  return err;
}
