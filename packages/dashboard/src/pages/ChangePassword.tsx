import { api } from '@tessera/web-kit/api';
import { passwordPage } from '@tessera/web-kit/components/ChangePassword';
import { errorNotice } from '../errors.js';

/** The kit's password page on the admin API; the first change deletes the initial password file. */
export const ChangePassword = passwordPage({
  change: (current, next) => api.post('/api/v1/account/password', { currentPassword: current, newPassword: next }),
  changedText: 'Your password is changed.',
  forcedLead:
    'with the initial password. Choose your own password to continue; the initial password file is deleted then.',
  errorNotice,
});
