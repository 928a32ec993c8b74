/** The kit's notice, with this UI's error words for {@link errorNotice}. */
export { Notice } from '@tessera/web-kit/components/Notice';
export type { NoticeData } from '@tessera/web-kit/errors';
export { errorNotice } from '../errors.js';
