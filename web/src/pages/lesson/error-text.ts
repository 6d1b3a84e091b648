import { ApiError } from '../../api';
import { errorMessage } from '../../format';

/** Why `what` cannot be shown: not found or not enrolled, no access, or the API's own message. */
export function errorText(err: unknown, what: string): string {
  if (err instanceof ApiError) {
    if (err.status === 404) return `${what} was not found, or you are not enrolled in a batch that has it.`;
    if (err.status === 403) return `You do not have access to ${what.toLowerCase()}.`;
    return err.message;
  }
  return errorMessage(err);
}
