/**
 * Errors in words. The Cloud's codes (core's error catalog, and the reasons of its
 * conflicts) become sentences a customer or vendor can act on; the server's own message
 * follows, since it names the feature, the seats free or the license involved.
 */
import { errorWords } from '@tessera/web-kit/errors';

const SENTENCES: Readonly<Record<string, string>> = {
  OVER_ALLOCATION: 'There are not that many free seats in the entitlement.',
  NOT_ENTITLED: 'The customer holds no live entitlement of that feature for this kind of licensing.',
  ALREADY_RETURNED: 'This license was returned already: its seats come back to the pool once.',
  RETURN_LIMIT: 'Seats of this entitlement came back too often lately; ask the vendor to take this certificate.',
  RETURNED: 'This license was returned with its uninstall certificate; it cannot change any more.',
  UNKNOWN_FEATURE: 'That feature is not in the feature catalog.',
  LICENSE_EXPIRED: 'Every entitlement of that feature has expired.',
  WRONG_SERVER: 'The file belongs to another License Server than the one it names.',
  DOC_BAD_SIGNATURE: 'The file’s signature does not verify: it was changed after it was signed, or it is damaged.',
  DOC_UNKNOWN_KEY: 'The file is signed by a server or key this Cloud does not know.',
  DOC_MALFORMED: 'This is not a Tessera file, or it is damaged.',
  DOC_WRONG_TYPE: 'This is a Tessera file, but not of the kind this button takes.',
  DOC_INVALID: 'The file’s content is not valid.',
  UNAUTHORIZED: 'You are not signed in, or your session has ended.',
  FORBIDDEN: 'You are not allowed to do this.',
  PASSWORD_CHANGE_REQUIRED: 'The password must be changed before anything else.',
  NOT_FOUND: 'That does not exist, or is not yours to see.',
  CONFLICT: 'That conflicts with what is already there.',
  BAD_REQUEST: 'The Cloud could not accept that request.',
  PAYLOAD_TOO_LARGE: 'The file is too large: Tessera files are at most 3 MiB.',
  NO_HARDWARE_FACTORS:
    'The server’s Server ID file names no hardware factor, so a license could not be bound to its machine. Make the file again on the server itself.',
  RATE_LIMITED: 'Too many attempts or requests; wait a moment, then try again.',
  UNAVAILABLE: 'The Cloud cannot take this request now; try again in a moment.',
  INTERNAL: 'The Cloud hit an internal error. Nothing was changed; its log has the details.',
  NETWORK: 'The Cloud cannot be reached. Check your connection and try again.',
};

export const { sentenceFor, describeError, errorNotice } = errorWords(SENTENCES, 'The Cloud refused the request.');
