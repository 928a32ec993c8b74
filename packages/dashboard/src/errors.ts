/**
 * Errors in words. The server's codes (the core error catalog) become sentences an operator
 * can act on; the server's own message follows, since it names the license, revision or
 * hardware factor involved.
 */
import { errorWords } from '@tessera/web-kit/errors';

const SENTENCES: Readonly<Record<string, string>> = {
  WRONG_SERVER:
    'This license is bound to another server. Install the license file that was made from this server’s Server ID file.',
  FINGERPRINT_MISMATCH:
    'This license is bound to this server, but the machine’s hardware no longer matches the license.',
  DOC_BAD_SIGNATURE: 'The file’s signature does not verify: it was changed after it was signed, or it is damaged.',
  DOC_UNKNOWN_KEY:
    'The file or Sync is signed by a vendor key this server does not trust: it trusts only the keys shipped with it and those given with --vendor-key at start.',
  DOC_MALFORMED: 'This is not a Tessera license file, or it is damaged.',
  DOC_WRONG_TYPE: 'This is a Tessera file, but not of the kind this button takes.',
  DOC_INVALID: 'The file’s content is not valid.',
  LICENSE_UNINSTALLED:
    'This license was uninstalled from this server, and an uninstalled license can never be installed again.',
  LICENSE_EXISTS: 'This license is already installed. To install a newer revision of it, use Renew License.',
  LICENSE_NOT_INSTALLED: 'This license is not installed on this server. To add it, use Install License.',
  REVISION_NOT_NEWER: 'The file is not newer than the installed license: a renewal must carry a higher revision.',
  BINDING_CHANGED: 'The renewal is bound differently from the installed license.',
  CLOCK_TAMPERED:
    'The server’s clock is behind time it has already seen; time-limited seats are refused until it is right.',
  UNAUTHORIZED: 'You are not signed in, or your session has ended.',
  FORBIDDEN: 'You are not allowed to do this.',
  PASSWORD_CHANGE_REQUIRED: 'The password must be changed before anything else.',
  NOT_FOUND: 'That no longer exists on the server.',
  CONFLICT: 'That conflicts with what is already on the server.',
  LAST_ADMIN: 'The server must keep at least one enabled admin: make another user an admin first.',
  OWN_ACCOUNT: 'You cannot do this to your own account; another admin must.',
  BAD_REQUEST: 'The server could not accept that request.',
  PAYLOAD_TOO_LARGE: 'The file is too large to be a license file.',
  RATE_LIMITED: 'The server is busy; try again in a moment.',
  UNAVAILABLE: 'The server cannot take this request now; try again in a moment.',
  INTERNAL: 'The server hit an internal error. Nothing was changed; the server log has the details.',
  NETWORK: 'The License Server cannot be reached. Check that it is running.',
};

export const { sentenceFor, describeError, errorNotice } = errorWords(SENTENCES, 'The server refused the request.');
