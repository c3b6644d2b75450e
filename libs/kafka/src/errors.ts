/**
 * A handler throws PermanentError for a message that can never succeed (a business rule
 * rejects it); it goes to the dead-letter topic at once instead of being retried.
 */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}
