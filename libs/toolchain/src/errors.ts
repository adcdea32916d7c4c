/** A tool (helm, kubectl, a control-plane binary) is not available. */
export class ToolNotFoundError extends Error {
  override readonly name = 'ToolNotFoundError';
  constructor(
    readonly tool: string,
    readonly searched: readonly string[],
  ) {
    super(
      `${tool} was not found (looked in: ${searched.join(', ')}). ` +
        `Run \`npx flotilla dev provision\` once to fill the tool cache.`,
    );
  }
}

/** Provisioning a tool failed. */
export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';
  constructor(
    message: string,
    readonly tool: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
