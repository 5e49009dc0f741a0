/** The SDK version sent in the connection URL (`version=`); equal to package.json's version. */
export const VERSION = '1.0.0';
