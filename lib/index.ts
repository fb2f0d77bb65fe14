export * from './tiered-cdn';
export * from './routes';
export * from './tier-policies';
export * from './origin-shield';
export * from './path-pattern';
export * from './validation';
