import { passwordPage } from '@tessera/web-kit/components/ChangePassword';
import { api } from '../api.js';
import { errorNotice } from '../errors.js';

/** The kit's password page on the Cloud's API, which signs the user's other sessions out. */
export const ChangePassword = passwordPage({
  change: (current, next) => api.post('/api/v1/me/password', { current, next }),
  changedText: 'Your password is changed. Your other sessions were signed out.',
  forcedLead: 'with a first password. Choose your own password to continue.',
  errorNotice,
});
