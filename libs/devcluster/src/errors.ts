/** The development control plane could not be started or reached. */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    message: string,
    /** Log file of the component that failed, when one is known. */
    readonly logFile?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
