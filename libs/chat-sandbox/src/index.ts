export * from './slack.js';
export * from './teams.js';
export * from './teams-bot.js';
export * from './smtp.js';
export * from './standalone.js';
