/**
 * swagger-ui-dist ships no type declarations. Only this file of it is loaded in Node: the package's main
 * module also requires the 1.5 MB browser bundle, which the gateway serves but never runs.
 */
declare module 'swagger-ui-dist/absolute-path.js' {
  /** The folder holding the package's static assets. */
  function getAbsoluteFSPath(): string;
  export = getAbsoluteFSPath;
}
