// One watch request: the apiserver's newline-delimited JSON event stream.
import { createInterface } from 'node:readline';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAccess } from './kubeconfig.js';
import { ApiError, apiErrorOf, cutShort, prepare } from './raw.js';

/** One event of a watch: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (whose object is a Status). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Options of {@link watchRequest}. */
export interface WatchRequestOptions {
  /**
   * How long the apiserver has to answer the request (its status line and
   * headers, which it sends as soon as the watch is set up); default
   * {@link WATCH_ANSWER_TIMEOUT_MS}. Once answered, a watch may stay quiet for
   * as long as it lasts.
   */
  readonly answerTimeoutMs?: number;
}

/** How long a watch request may go unanswered before it fails (see {@link WatchRequestOptions}). */
export const WATCH_ANSWER_TIMEOUT_MS = 30_000;

/** A watch request in flight. */
export interface WatchRequest {
  /** Ends the request; `done` is called with no error. */
  abort(): void;
}

/**
 * Opens a watch of the collection at `path` and calls `onEvent` for each
 * event. Resolves once the apiserver answered (or the request failed), with
 * the request to abort; `done` is called once, when the stream ends: without
 * an error when the apiserver closed it, its connection closed or it was aborted, else with an
 * {@link ApiError} (a refused watch: its HTTP code; status 0: not answered in time) or the
 * network error.
 */
export async function watchRequest(
  kc: KubeAccess,
  path: string,
  query: Readonly<Record<string, string>>,
  onEvent: (type: WatchEventType, object: KubernetesObject & { code?: number }) => void,
  done: (err?: Error) => void,
  options: WatchRequestOptions = {},
): Promise<WatchRequest> {
  let finished = false;
  const finish = (err?: Error) => {
    if (finished) return;
    finished = true;
    done(err);
  };
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    prepared = await prepare(
      kc,
      'GET',
      path,
      { ...query, watch: 'true' },
      {
        Accept: 'application/json',
      },
    );
  } catch (err) {
    finish(err instanceof Error ? err : new Error(String(err)));
    return { abort: () => undefined };
  }
  const { url, options: requestOptions, send } = prepared;
  const answerTimeoutMs = options.answerTimeoutMs ?? WATCH_ANSWER_TIMEOUT_MS;
  return new Promise<WatchRequest>((resolve) => {
    const req = send(url, requestOptions, (res) => {
      clearTimeout(unanswered);
      const status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      if (status !== 200) {
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => finish(apiErrorOf(status, text)));
        res.on('error', (err) => finish(err));
        resolve(handle);
        return;
      }
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (finished || !line) return;
        let event: { type?: WatchEventType; object?: KubernetesObject & { code?: number } };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          return; // a line cut by an abort
        }
        if (event.type && event.object) onEvent(event.type, event.object);
      });
      lines.on('close', () => finish());
      // readline passes its input's errors on: both must be heard, or an abort is
      // uncaught. A stream whose connection closed has ended, like one the
      // apiserver closed: the next request tells whether the apiserver is still
      // there (and why not), so one outage reads the same throughout.
      const failed = (err: Error) => finish(aborted || cutShort(err) !== err ? undefined : err);
      lines.on('error', failed);
      res.on('error', failed);
      resolve(handle);
    });
    // An apiserver that took the connection but does not answer (stopped, hung, or a
    // connection whose peer vanished without a word) would hold the watch, and whoever
    // waits for it to end, for good: it fails instead, as a request that timed out.
    const unanswered = setTimeout(
      () =>
        req.destroy(
          new ApiError(0, `watch of ${path} not answered within ${answerTimeoutMs / 1000} s`),
        ),
      answerTimeoutMs,
    );
    let aborted = false;
    const handle: WatchRequest = {
      abort() {
        aborted = true;
        clearTimeout(unanswered);
        req.destroy();
        finish();
      },
    };
    // A silent network: the kernel notices a dead peer within a minute or two.
    req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
    req.on('error', (err) => {
      clearTimeout(unanswered);
      finish(aborted ? undefined : err);
      resolve(handle);
    });
    req.end();
  });
}
