// The live room lives in ./live; this path keeps its importers working.
export * from './live';
