/** The product version written into Server ID documents and shown by `--version`. */
export const PRODUCT_VERSION = '0.1.0';
